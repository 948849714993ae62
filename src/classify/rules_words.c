/* Hand-named topics: the words people use for doors, windows, garages, gates, locks, alarms,
 * lights and presence in English, German, Dutch, French, Spanish, Italian and Polish, the
 * payload words that say their state, and the rules that read them (engine: cls_words.c).
 *
 * Everything here is data. Words are written as people type them; the lexicon folds them
 * like topic levels (lower case, accents dropped, ß -> ss, separators removed), so
 * "Haustür", "haustuer", "haus_tuer" and "HausTur" are one entry each way they are spelled.
 * A topic word matches a whole token or a whole level, never a substring (door is not in
 * outdoor, tor is not in motor). Weak words (LXF_WEAK) are common in other senses (entry,
 * alarm, slot, zamek, porte): they count only with an explicit state word, never with a bare
 * on/off or for a command. Exclusions are the false friends measured on the corpus in
 * tests/vectors/classify/named/ (doorbell, child_lock, Zeitfenster, precio_luz, ...).
 * Vocabulary: ordinary language, cross-checked against the names ecosystems use (Home
 * Assistant device classes and payloads, Zigbee2MQTT properties, Tasmota, Shelly). */
#include "classify/cls_int.h"

#define C(concept, lang, w) { LX_CONCEPT, concept, 0, lang, w }
#define CW(concept, lang, w) { LX_CONCEPT, concept, LXF_WEAK, lang, w }
#define S(state, lang, w) { LX_STATE, state, 0, lang, w }
#define L(lex, lang, w) { lex, 0, 0, lang, w }

const struct cls_words cls_word_lists[] = {
	/* ---- doors */
	C(CC_DOOR, "en", "door doors front_door back_door rear_door side_door patio_door porch_door "
			 "entry_door main_door door_contact door_sensor basement_door cellar_door "
			 "balcony_door french_door sliding_door"),
	CW(CC_DOOR, "en", "entrance entry"),
	C(CC_DOOR, "de", "tür türen haustür wohnungstür eingangstür terrassentür balkontür kellertür "
			 "hintertür nebentür gartentür schiebetür türkontakt tuer tueren haustuer "
			 "wohnungstuer eingangstuer terrassentuer balkontuer kellertuer hintertuer "
			 "nebentuer gartentuer schiebetuer tuerkontakt"),
	CW(CC_DOOR, "de", "eingang nebeneingang"),
	C(CC_DOOR, "nl", "deur deuren voordeur achterdeur zijdeur tuindeur keukendeur balkondeur "
			 "kelderdeur schuifdeur deurcontact deursensor"),
	CW(CC_DOOR, "nl", "ingang"),
	C(CC_DOOR, "fr", "porte_entree porte_d_entree porte_principale porte_arriere porte_service "
			 "porte_cave porte_jardin porte_terrasse porte-fenêtre porte_coulissante "
			 "contact_porte capteur_porte"),
	CW(CC_DOOR, "fr", "porte portes entrée"),
	C(CC_DOOR, "es", "puerta puertas puerta_principal puerta_entrada puerta_calle puerta_trasera "
			 "puerta_terraza puerta_balcón puerta_corredera contacto_puerta sensor_puerta"),
	CW(CC_DOOR, "es", "entrada"),
	C(CC_DOOR, "it", "porta_ingresso portone portoncino porta_blindata portafinestra "
			 "porta_cantina porta_servizio porta_scorrevole contatto_porta sensore_porta uscio"),
	CW(CC_DOOR, "it", "porta ingresso"),
	C(CC_DOOR, "pl", "drzwi drzwi_wejściowe drzwi_tarasowe drzwi_balkonowe drzwi_piwniczne "
			 "drzwi_tylne kontaktron czujnik_drzwi"),
	CW(CC_DOOR, "pl", "wejście"),
	/* ---- windows (and skylights) */
	C(CC_WINDOW, "en", "window skylight roof_window velux window_contact casement"),
	CW(CC_WINDOW, "en", "windows"),
	C(CC_WINDOW, "de", "fenster dachfenster kippfenster fensterkontakt fenstergriff oberlicht"),
	C(CC_WINDOW, "nl", "raam ramen dakraam slaapkamerraam keukenraam raamcontact venster klepraam"),
	C(CC_WINDOW, "fr", "fenêtre fenêtres lucarne vasistas baie_vitrée"),
	C(CC_WINDOW, "es", "ventana ventanas ventanal claraboya tragaluz"),
	C(CC_WINDOW, "it", "finestra finestre lucernario"),
	CW(CC_WINDOW, "it", "finestrino"),
	C(CC_WINDOW, "pl", "okno okna okno_dachowe świetlik lufcik"),
	/* ---- garage doors */
	C(CC_GARAGE, "en", "garage garage_door garage_opener opengarage ratgdo roller_door "
			   "overhead_door gdo"),
	CW(CC_GARAGE, "en", "carport"),
	C(CC_GARAGE, "de", "garagentor garagentür garagentuer rolltor sektionaltor schwingtor kipptor "
			   "torantrieb"),
	CW(CC_GARAGE, "de", "tiefgarage"),
	C(CC_GARAGE, "nl", "garagedeur garagepoort kanteldeur roldeur sectionaaldeur"),
	C(CC_GARAGE, "fr", "porte_garage porte_de_garage porte_basculante porte_sectionnelle"),
	C(CC_GARAGE, "es", "garaje puerta_garaje puerta_cochera cochera portón_garaje"),
	C(CC_GARAGE, "it", "porta_garage basculante autorimessa"),
	CW(CC_GARAGE, "it", "box serranda saracinesca"),
	C(CC_GARAGE, "pl", "brama_garażowa garaż drzwi_garażowe"),
	/* ---- gates */
	C(CC_GATE, "en", "gate front_gate driveway_gate side_gate garden_gate yard_gate sliding_gate "
			 "swing_gate boom_gate gate_opener"),
	CW(CC_GATE, "en", "barrier"),
	C(CC_GATE, "de", "tor hoftor einfahrtstor gartentor schiebetor drehtor flügeltor fluegeltor "
			 "pforte gartenpforte"),
	CW(CC_GATE, "de", "einfahrt"),
	C(CC_GATE, "nl", "inrijpoort hek tuinhek toegangshek schuifhek slagboom"),
	CW(CC_GATE, "nl", "poort"),
	C(CC_GATE, "fr", "portail portillon portail_coulissant portail_battant"),
	CW(CC_GATE, "fr", "barrière grille"),
	C(CC_GATE, "es", "portón cancela verja"),
	CW(CC_GATE, "es", "barrera"),
	C(CC_GATE, "it", "cancello cancelletto cancello_carraio cancello_pedonale"),
	CW(CC_GATE, "it", "sbarra"),
	C(CC_GATE, "pl", "brama brama_wjazdowa furtka szlaban"),
	CW(CC_GATE, "pl", "wjazd"),
	/* ---- locks */
	C(CC_LOCK, "en", "lock locks door_lock doorlock smartlock smart_lock deadbolt nuki lock_state"),
	CW(CC_LOCK, "en", "latch bolt"),
	C(CC_LOCK, "de", "schloss türschloss tuerschloss schließzylinder schliesszylinder riegel "
			 "verriegelung türöffner tueroeffner"),
	C(CC_LOCK, "nl", "deurslot nachtslot vergrendeling elektrisch_slot"),
	CW(CC_LOCK, "nl", "slot"),
	C(CC_LOCK, "fr", "serrure verrou gâche serrure_connectée"),
	CW(CC_LOCK, "fr", "verrouillage"),
	C(CC_LOCK, "es", "cerradura cerrojo pestillo cerradura_inteligente abrepuertas"),
	CW(CC_LOCK, "es", "bloqueo"),
	C(CC_LOCK, "it", "serratura chiavistello catenaccio apriporta elettroserratura"),
	CW(CC_LOCK, "it", "blocco"),
	C(CC_LOCK, "pl", "zamek_drzwi rygiel zatrzask elektrozaczep"),
	CW(CC_LOCK, "pl", "zamek blokada"),
	/* ---- intrusion alarms (alarm alone is often a fault flag: weak) */
	C(CC_ALARM, "en", "alarm_panel alarm_system security_system intrusion burglar_alarm alarmo "
			  "arm_state"),
	CW(CC_ALARM, "en", "alarm alarms"),
	C(CC_ALARM, "de", "alarmanlage einbruchmeldeanlage einbruch scharfschaltung"),
	C(CC_ALARM, "nl", "alarmsysteem inbraakalarm"),
	CW(CC_ALARM, "nl", "beveiliging"),
	C(CC_ALARM, "fr", "centrale_alarme alarme_intrusion"),
	CW(CC_ALARM, "fr", "alarme"),
	C(CC_ALARM, "es", "central_alarma alarma_intrusión"),
	CW(CC_ALARM, "es", "alarma"),
	C(CC_ALARM, "it", "antifurto centrale_allarme"),
	CW(CC_ALARM, "it", "allarme"),
	C(CC_ALARM, "pl", "system_alarmowy centrala_alarmowa"),
	/* ---- presence: who is home */
	C(CC_PRESENCE, "en", "presence occupancy someone_home anyone_home nobody_home who_is_home "
			     "at_home device_tracker vacation_mode away_mode holiday_mode "
			     "presence_simulation"),
	CW(CC_PRESENCE, "en", "present occupied person tracker"),
	C(CC_PRESENCE, "de", "anwesenheit zuhause zu_hause daheim präsenz praesenz bewohner urlaubsmodus "
			     "abwesenheitsmodus jemand_zuhause niemand_zuhause"),
	CW(CC_PRESENCE, "de", "anwesend abwesend"),
	C(CC_PRESENCE, "nl", "aanwezigheid thuis iemand_thuis niemand_thuis vakantiemodus "
			     "afwezigheidsmodus"),
	CW(CC_PRESENCE, "nl", "aanwezig afwezig"),
	C(CC_PRESENCE, "fr", "présence mode_absence mode_vacances a_la_maison"),
	C(CC_PRESENCE, "es", "presencia en_casa alguien_en_casa nadie_en_casa modo_vacaciones "
			     "modo_ausente"),
	C(CC_PRESENCE, "it", "presenza a_casa qualcuno_a_casa nessuno_a_casa modalità_vacanza "
			     "modalità_assenza"),
	C(CC_PRESENCE, "pl", "obecność w_domu ktoś_w_domu nikt_w_domu domownik tryb_urlopowy"),
	/* ---- motion */
	C(CC_MOTION, "en", "motion motion_sensor pir mmwave human_presence"),
	CW(CC_MOTION, "en", "movement radar"),
	C(CC_MOTION, "de", "bewegung bewegungsmelder bwm präsenzmelder praesenzmelder"),
	C(CC_MOTION, "nl", "beweging bewegingsmelder bewegingssensor"),
	C(CC_MOTION, "fr", "détecteur_mouvement détecteur_présence"),
	CW(CC_MOTION, "fr", "mouvement"),
	C(CC_MOTION, "es", "sensor_movimiento detector_movimiento"),
	CW(CC_MOTION, "es", "movimiento"),
	C(CC_MOTION, "it", "sensore_movimento rilevatore_movimento"),
	CW(CC_MOTION, "it", "movimento"),
	C(CC_MOTION, "pl", "czujnik_ruchu czujka_ruchu"),
	CW(CC_MOTION, "pl", "ruch"),
	/* ---- lights */
	C(CC_LIGHT, "en", "light lights lamp bulb ledstrip led_strip dimmer ceiling_light porch_light "
			  "floodlight spotlight"),
	C(CC_LIGHT, "de", "licht lampe leuchte beleuchtung deckenlicht deckenlampe stehlampe "
			  "außenlicht glühbirne lichtschalter"),
	C(CC_LIGHT, "nl", "lamp lampen verlichting plafondlamp buitenlamp schemerlamp"),
	C(CC_LIGHT, "fr", "lumière lampe éclairage plafonnier applique ampoule"),
	C(CC_LIGHT, "es", "luz luces lámpara iluminación foco bombilla"),
	C(CC_LIGHT, "it", "luce luci lampada illuminazione lampadario faretto plafoniera"),
	C(CC_LIGHT, "pl", "światło światła lampa oświetlenie żarówka kinkiet"),
	/* ---- shutters and blinds */
	C(CC_SHUTTER, "en", "shutter shutters blind blinds roller_shutter"),
	C(CC_SHUTTER, "de", "rollladen rolladen rolllade jalousie raffstore markise"),
	C(CC_SHUTTER, "nl", "rolluik zonwering"),
	C(CC_SHUTTER, "fr", "volet volet_roulant persienne"),
	CW(CC_SHUTTER, "fr", "store"),
	C(CC_SHUTTER, "es", "persiana toldo"),
	C(CC_SHUTTER, "it", "tapparella avvolgibile"),
	C(CC_SHUTTER, "pl", "roleta żaluzja markiza"),

	/* ---- payload words */
	S(CS_OPEN, "en", "open opened opening ajar tilted partially_open"),
	S(CS_OPEN, "de", "offen auf geöffnet geoeffnet gekippt öffnet oeffnet spalt"),
	S(CS_OPEN, "nl", "geopend opent op_een_kier kantelstand"),
	S(CS_OPEN, "fr", "ouvert ouverte ouverts ouvertes entrouvert entrouverte en_ouverture"),
	S(CS_OPEN, "es", "abierto abierta entreabierto entreabierta abriendo"),
	S(CS_OPEN, "it", "aperto aperta socchiuso socchiusa in_apertura"),
	S(CS_OPEN, "pl", "otwarte otwarty otwarta uchylone uchylony uchylona otwieranie"),
	S(CS_CLOSED, "en", "closed close closing shut"),
	S(CS_CLOSED, "de", "zu geschlossen schließt schliesst"),
	S(CS_CLOSED, "nl", "dicht gesloten sluit toe"),
	S(CS_CLOSED, "fr", "fermé fermée fermés fermées fermeture en_fermeture"),
	S(CS_CLOSED, "es", "cerrado cerrada cerrando"),
	S(CS_CLOSED, "it", "chiuso chiusa in_chiusura"),
	S(CS_CLOSED, "pl", "zamknięte zamknięty zamknięta zamykanie"),
	S(CS_LOCKED, "en", "locked secured locking"),
	S(CS_LOCKED, "de", "verriegelt abgeschlossen zugesperrt verschlossen gesperrt"),
	S(CS_LOCKED, "nl", "vergrendeld op_slot"),
	S(CS_LOCKED, "fr", "verrouillé verrouillée fermé_à_clé bloqué bloquée"),
	S(CS_LOCKED, "es", "bloqueado bloqueada cerrado_con_llave"),
	S(CS_LOCKED, "it", "bloccato bloccata chiuso_a_chiave"),
	S(CS_LOCKED, "pl", "zablokowany zablokowana zaryglowany zamknięty_na_klucz"),
	S(CS_UNLOCKED, "en", "unlocked unsecured unlocking jammed"),
	S(CS_UNLOCKED, "de", "entriegelt aufgeschlossen aufgesperrt entsperrt"),
	S(CS_UNLOCKED, "nl", "ontgrendeld niet_op_slot van_slot"),
	S(CS_UNLOCKED, "fr", "déverrouillé déverrouillée débloqué débloquée"),
	S(CS_UNLOCKED, "es", "desbloqueado desbloqueada"),
	S(CS_UNLOCKED, "it", "sbloccato sbloccata"),
	S(CS_UNLOCKED, "pl", "odblokowany odblokowana odryglowany"),
	/* Home Assistant alarm_control_panel states */
	S(CS_ARMED, "en", "armed armed_away armed_home armed_night armed_vacation "
			  "armed_custom_bypass arming pending triggered"),
	S(CS_ARMED, "de", "scharf scharf_extern intern_scharf scharfgeschaltet ausgelöst"),
	S(CS_ARMED, "nl", "deels_ingeschakeld alarm_actief"),
	S(CS_ARMED, "fr", "armé armée marche_totale marche_partielle déclenché déclenchée"),
	S(CS_ARMED, "es", "armado armada armado_total armado_parcial disparada"),
	S(CS_ARMED, "it", "inserito inserita inserimento_totale inserimento_parziale armato in_allarme"),
	S(CS_ARMED, "pl", "uzbrojony uzbrojona czuwanie dozór zazbrojony"),
	S(CS_DISARMED, "en", "disarmed disarming"),
	S(CS_DISARMED, "de", "unscharf unscharf_geschaltet"),
	S(CS_DISARMED, "nl", "gedeactiveerd"),
	S(CS_DISARMED, "fr", "désarmé désarmée"),
	S(CS_DISARMED, "es", "desarmado desarmada desconectado desconectada"),
	S(CS_DISARMED, "it", "disinserito disinserita disarmato"),
	S(CS_DISARMED, "pl", "rozbrojony rozbrojona"),
	/* switched on / off, spelled out (an alarm "ingeschakeld" is armed) */
	S(CS_ON, "de", "eingeschaltet aktiv"), S(CS_ON, "nl", "ingeschakeld actief"),
	S(CS_ON, "en", "active activated"), S(CS_ON, "fr", "allumé allumée actif active"),
	S(CS_ON, "es", "encendido encendida prendido activo activa"),
	S(CS_ON, "it", "acceso accesa attivo attiva"),
	S(CS_ON, "pl", "włączony włączone włączona zał"),
	S(CS_OFF, "de", "ausgeschaltet inaktiv"), S(CS_OFF, "nl", "uitgeschakeld"),
	S(CS_OFF, "en", "inactive"), S(CS_OFF, "fr", "éteint éteinte arrêt inactif"),
	S(CS_OFF, "es", "apagado apagada inactivo"), S(CS_OFF, "it", "spento spenta"),
	S(CS_OFF, "pl", "wyłączony wyłączone wyłączona wył"),
	S(CS_BOOL_T, "*", "on true 1 yes an ein aan ja si sí tak oui"),
	S(CS_BOOL_F, "*", "off false 0 no aus uit nein nee nie non"),
	/* who is home (Home Assistant device_tracker: home / not_home) */
	S(CS_HOME, "en", "home at_home present occupied someone"),
	S(CS_HOME, "de", "zuhause zu_hause daheim anwesend belegt"),
	S(CS_HOME, "nl", "thuis aanwezig bezet"),
	S(CS_HOME, "fr", "maison a_la_maison présent présente occupé occupée"),
	S(CS_HOME, "es", "en_casa casa presente ocupado ocupada"),
	S(CS_HOME, "it", "a_casa presente occupato occupata"),
	S(CS_HOME, "pl", "w_domu obecny obecna zajęty zajęta"),
	S(CS_AWAY, "en", "away not_home extended_away absent unoccupied vacant nobody noone"),
	S(CS_AWAY, "de", "weg abwesend unterwegs nicht_zuhause niemand niemand_zuhause frei"),
	S(CS_AWAY, "nl", "afwezig niet_thuis onderweg niemand niemand_thuis vrij"),
	S(CS_AWAY, "fr", "absente parti partie en_déplacement dehors personne libre"),
	S(CS_AWAY, "es", "fuera ausente fuera_de_casa nadie libre"),
	S(CS_AWAY, "it", "fuori assente fuori_casa nessuno libero"),
	S(CS_AWAY, "pl", "poza_domem nieobecny nieobecna wyszedł wyszła nikt wolny"),
	S(CS_DETECTED, "en", "detected motion"),
	S(CS_DETECTED, "de", "erkannt"), S(CS_DETECTED, "nl", "gedetecteerd"),
	S(CS_DETECTED, "fr", "détecté détectée"), S(CS_DETECTED, "es", "detectado detectada"),
	S(CS_DETECTED, "it", "rilevato rilevata"), S(CS_DETECTED, "pl", "wykryto wykryty"),
	S(CS_CLEAR, "en", "clear cleared no_motion"),
	S(CS_CLEAR, "de", "keine_bewegung"), S(CS_CLEAR, "nl", "geen_beweging"),
	S(CS_CLEAR, "fr", "aucun_mouvement"), S(CS_CLEAR, "es", "sin_movimiento"),
	S(CS_CLEAR, "it", "nessun_movimento"), S(CS_CLEAR, "pl", "brak_ruchu"),

	/* ---- last levels that take commands (Home Assistant, Zigbee2MQTT and Homie use /set,
	 * ESPHome and openHAB /command) */
	L(LX_COMMAND, "en", "set cmd command commands toggle control ctrl write trigger"),
	L(LX_COMMAND, "de", "schalten befehl setzen stellen steuern steuerung auslösen"),
	L(LX_COMMAND, "nl", "zet zetten commando schakel schakelen bediening sturen"),
	L(LX_COMMAND, "fr", "commande ordre piloter pilotage"),
	L(LX_COMMAND, "es", "comando orden acción activar"),
	L(LX_COMMAND, "it", "imposta azione attiva controllo"),
	L(LX_COMMAND, "pl", "komenda polecenie ustaw sterowanie steruj przełącz"),
	/* ---- command payload words (shown as what the command said) */
	L(LX_VERB, "en", "open close stop lock unlock arm arm_away arm_home arm_night disarm toggle "
			 "on off"),
	L(LX_VERB, "de", "öffnen oeffnen schließen schliessen auf zu scharf unscharf an aus ein"),
	L(LX_VERB, "nl", "openen sluiten aan uit"),
	L(LX_VERB, "fr", "ouvrir fermer verrouiller déverrouiller armer désarmer allumer éteindre"),
	L(LX_VERB, "es", "abrir cerrar bloquear desbloquear armar desarmar encender apagar"),
	L(LX_VERB, "it", "apri chiudi blocca sblocca inserisci disinserisci accendi spegni"),
	L(LX_VERB, "pl", "otwórz zamknij zablokuj odblokuj uzbrój rozbrój włącz wyłącz"),
	/* ---- last levels that measure or configure: never a state, whatever the parent says */
	L(LX_MEASURE, "en", "battery temperature temp humidity linkquality rssi snr voltage "
			    "illuminance lux energy power current runtime fps bitrate delay timeout "
			    "sensitivity setpoint threshold interval count duration uptime signal "
			    "wifi version firmware level brightness pressure cycles hours kwh ms "
			    "percent speed load"),
	L(LX_MEASURE, "de", "batterie temperatur luftfeuchte feuchte spannung helligkeit "
			    "beleuchtungsstärke energie leistung laufzeit zyklen"),
	L(LX_MEASURE, "nl", "batterij accu temperatuur vochtigheid spanning lichtsterkte verbruik "
			    "vermogen uren"),
	L(LX_MEASURE, "fr", "batterie pile température humidité tension luminosité puissance "
			    "consommation temps moteur"),
	L(LX_MEASURE, "es", "batería temperatura humedad tensión luminosidad potencia consumo "
			    "tiempo motor ciclos"),
	L(LX_MEASURE, "it", "batteria temperatura umidità tensione luminosità potenza consumo "
			    "tempo motore cicli"),
	L(LX_MEASURE, "pl", "bateria akumulator temperatura wilgotność napięcie natężenie moc "
			    "zużycie czas silnik cykle"),
	L(LX_MEASURE, "en", "motor"),
	/* ---- JSON keys that hold a thing's state */
	L(LX_STATEKEY, "*", "state status contact lock_state occupancy presence motion alarm_state "
			    "arm_state door window"),
	/* ---- contexts that make a word mean something else (network port, traffic), and
	 * appliances and equipment whose door is not a way into the house (added after the first
	 * held-out measurement: fridge and oven doors were 21 of 146 ordinary topics) */
	L(LX_CONTEXT, "*", "network netwerk netz réseau rete sieć usb tcp udp scada bacnet opcua "
			   "modbus plc"),
	L(LX_CONTEXT, "en", "fridge freezer refrigerator oven microwave dishwasher washer "
			    "washing_machine dryer incubator enclosure rack server_rack datacenter "
			    "printer 3dprinter car vehicle tesla frunk trunk"),
	L(LX_CONTEXT, "de", "kühlschrank kuehlschrank gefrierschrank gefriertruhe backofen ofen "
			    "mikrowelle spülmaschine spuelmaschine geschirrspüler geschirrspueler "
			    "waschmaschine trockner"),
	L(LX_CONTEXT, "nl", "koelkast vriezer magnetron vaatwasser wasmachine droger"),
	L(LX_CONTEXT, "fr", "réfrigérateur frigo congélateur micro_ondes lave_vaisselle lave_linge "
			    "sèche_linge"),
	L(LX_CONTEXT, "es", "nevera frigorífico congelador horno microondas lavavajillas lavadora "
			    "secadora"),
	L(LX_CONTEXT, "it", "frigorifero congelatore forno microonde lavastoviglie lavatrice "
			    "asciugatrice"),
	L(LX_CONTEXT, "pl", "lodówka zamrażarka piekarnik mikrofalówka zmywarka pralka suszarka"),
	/* ---- false friends, matched inside a level */
	L(LX_EXCLUDE, "en", "doorbell outdoor indoor alarm_clock smoke_alarm window_detection "
			    "window_size moving_window child_lock key_lock caps_lock interlock "
			    "gate_valve gate_voltage present_value occupancy_rate away_temperature "
			    "light_level"),
	L(LX_EXCLUDE, "de", "zeitfenster fensterbank kindersicherung tastensperre"),
	L(LX_EXCLUDE, "nl", "tijdvenster raamwerk raamovereenkomst"),
	L(LX_EXCLUDE, "fr", "portail_captif grille_tarifaire verrouillage_clavier sécurité_enfant "
			    "fenêtre_temps"),
	L(LX_EXCLUDE, "es", "precio_luz puerto_serie punto_acceso movimientos_cuenta ventana_tiempo "
			    "bloqueo_pantalla"),
	L(LX_EXCLUDE, "it", "prezzo_luce bolletta_luce porta_usb finestra_temporale blocco_bambini"),
	L(LX_EXCLUDE, "pl", "okno_czasowe ruch_sieciowy ruch_drogowy bramka blokada_rodzicielska"),
};
const size_t cls_nword_lists = sizeof(cls_word_lists) / sizeof(cls_word_lists[0]);

#define RM_NAMED "Require authentication on the broker and an ACL that keeps these topics to " \
	"the household's own accounts: their names say what they control."
#define EV_NAMED "what,word,state,value"
#define RD_NAMED "what=safe,word=safe,state=safe,value=safe"

/* Rule arguments: "<state|command>:<concepts>:<states>" (comma lists; '*' = any). A rule
 * runs only when no other rule spoke for the message (R_FALLBACK): ecosystems know their
 * own topics better than their words do. Confidence is always inferred: the name says
 * what the thing is. Severities: docs/findings.md, "Hand-named topics". */
static const struct rule rules[] = {
{
	.id = "named.control", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_NONEMPTY, .hook = hook_named, .arg = "command:door,window,garage,gate,lock,alarm:*",
	.cat = CAT_ACTUATOR_CONTROL, .sev = SEV_HIGH, .conf = CONF_INFERRED, .cwe = 306,
	.title = "Commands for a {what} pass through '{topic}' (seen: '{value}'): anyone who can "
		 "publish here can probably operate it (named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
{
	.id = "named.control", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_NONEMPTY, .hook = hook_named, .arg = "command:light,shutter:*",
	.cat = CAT_ACTUATOR_CONTROL, .sev = SEV_MEDIUM, .conf = CONF_INFERRED, .cwe = 306,
	.title = "Commands for a {what} pass through '{topic}' (seen: '{value}'): anyone who can "
		 "publish here can probably switch it (named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
{
	.id = "named.lock_state", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_ANY, .hook = hook_named, .arg = "state:door,window,garage,gate,lock:locked,unlocked",
	.cat = CAT_DOOR_STATE, .sev = SEV_HIGH, .conf = CONF_INFERRED, .cwe = 359,
	.title = "'{topic}' reads like a {what} and says it is {state} now (named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
{
	.id = "named.door_state", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_ANY, .hook = hook_named, .arg = "state:door,window,garage,gate,lock:open,closed",
	.cat = CAT_DOOR_STATE, .sev = SEV_HIGH, .conf = CONF_INFERRED, .cwe = 359,
	.title = "'{topic}' reads like a {what} and says it is {state} now (named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
{
	.id = "named.door_state", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_ANY, .hook = hook_named, .arg = "state:door,window,garage,gate,lock:bool,on,off",
	.cat = CAT_DOOR_STATE, .sev = SEV_MEDIUM, .conf = CONF_INFERRED, .cwe = 359,
	.title = "'{topic}' reads like a {what} and reports '{value}' (which of open and closed "
		 "that means is not known; named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
{
	.id = "named.alarm_state", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_ANY, .hook = hook_named, .arg = "state:alarm:armed,disarmed,on,off",
	.cat = CAT_DOOR_STATE, .sev = SEV_HIGH, .conf = CONF_INFERRED, .cwe = 359,
	.title = "'{topic}' reads like an alarm system and says it is {state} now (named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
{
	.id = "named.presence", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_ANY, .hook = hook_named, .arg = "state:presence:home,away,detected,clear,bool,on,off",
	.cat = CAT_PRESENCE, .sev = SEV_HIGH, .conf = CONF_INFERRED, .cwe = 359,
	.title = "'{topic}' tells who is home: '{value}' ({state}; named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
{
	.id = "named.motion", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_ANY, .hook = hook_named, .arg = "state:motion:detected,clear,bool,on,off",
	.cat = CAT_PRESENCE, .sev = SEV_MEDIUM, .conf = CONF_INFERRED, .cwe = 359,
	.title = "'{topic}' reads like a motion sensor and reports '{value}' ({state}; named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
{
	.id = "named.light_state", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_ANY, .hook = hook_named, .arg = "state:light:bool,on,off",
	.cat = CAT_PRESENCE, .sev = SEV_LOW, .conf = CONF_INFERRED, .cwe = 359,
	.title = "'{topic}' shows a light {state}: lights switched on and off show when someone is "
		 "home (named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
{
	.id = "named.light_state", .group = "named", .flags = R_NOSYS | R_FALLBACK,
	.payload = PK_ANY, .hook = hook_named, .arg = "state:shutter:open,closed",
	.cat = CAT_PRESENCE, .sev = SEV_LOW, .conf = CONF_INFERRED, .cwe = 359,
	.title = "'{topic}' shows a {what} {state}: shutters follow the household's day (named '{word}')",
	.evidence = EV_NAMED, .redact = RD_NAMED, .remediation = RM_NAMED,
},
};

const struct rule_table cls_rules_named = { "named", rules, sizeof(rules) / sizeof(rules[0]), NULL };
