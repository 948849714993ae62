# Generates cases/ and MANIFEST.tsv: our own vectors, written from shared/reference/smart-home-formats.md,
# one or more per rule (test_classify_vectors checks that every rule is exercised).
import json, os
import sys
ROOT=os.path.dirname(os.path.abspath(__file__))
D=os.path.join(ROOT,'cases')
rows=[]
def case(name, topic, payload, eco, eid, cat, sev, note=''):
    fn=name
    p=os.path.join(D,fn)
    if isinstance(payload,(dict,list)):
        data=json.dumps(payload).encode()
    elif isinstance(payload,str):
        data=payload.encode()
    else:
        data=payload
    open(p,'wb').write(data)
    rows.append((fn,topic,eco,eid,cat,sev,note))
def multi(names_payloads, topics, eco, eid, cat, sev, note=''):
    fns=[]
    for (n,pl) in names_payloads:
        p=os.path.join(D,n)
        data=json.dumps(pl).encode() if isinstance(pl,(dict,list)) else pl.encode()
        open(p,'wb').write(data); fns.append(n)
    rows.append(('||'.join(fns),'||'.join(topics),eco,eid,cat,sev,note))

# ---- broker
case('emqx_version.txt','$SYS/brokers/emqx@127.0.0.1/version','5.8.0','emqx','emqx.sys','broker_info','info')
case('vernemq_metric.txt','$SYS/VerneMQ@127.0.0.1/mqtt/publish/received','42','vernemq','vernemq.sys','broker_info','info')
case('aedes_new_client.txt','$SYS/abc123/new/clients','bobs-laptop','aedes','aedes.clients','broker_info','low','client id masked')
case('aedes_heartbeat.txt','$SYS/abc123/heartbeat','abc123','aedes','aedes.heartbeat','broker_info','info')
case('sys_other.txt','$SYS/hive/info','x','other','sys.other','broker_info','info')
# ---- owntracks
case('ot_recorder_republish.json','rp/owntracks/bob/tablet',{"username":"bob","topic":"owntracks/bob/tablet","cc":"DE","addr":"Unter den Linden 1, Berlin","t":"p","tst":1767349440,"lat":52.517036,"lon":13.388859},'owntracks-recorder','owntracks.recorder_republish','location','critical')
case('ot_location_custom_base.json','home/tracks/bob/tablet',{"_type":"location","lat":52.517036,"lon":13.388859,"tst":1767349440,"acc":12},'owntracks','owntracks.location','location','critical','custom pubTopicBase')
case('ot_csv.txt','owntracks/bob/tablet','bt,5a3b1c2d,t,52517036,13388859,0,0,34,0,0','owntracks','owntracks.location','location','critical','Greenwich CSV')
case('ot_transition.json','owntracks/bob/tablet/event',{"_type":"transition","event":"leave","desc":"Home","lat":52.517036,"lon":13.388859,"tst":1767349440,"wtst":1735689600,"acc":10,"t":"c"},'owntracks','owntracks.transition','location','critical')
case('ot_waypoint.json','owntracks/bob/tablet/waypoint',{"_type":"waypoint","desc":"Gym","lat":52.5201,"lon":13.4049,"rad":50,"tst":1735689600},'owntracks','owntracks.waypoints','location','high')
case('ot_config_nopw.json','owntracks/bob/tablet/dump',{"_type":"configuration","host":"mqtt.example.net","port":8883,"username":"bob","deviceId":"tablet"},'owntracks','owntracks.config','credential','high')
case('ot_encrypted.json','owntracks/bob/tablet',{"_type":"encrypted","data":"c2VjcmV0Ym94LWNpcGhlcnRleHQtZXhhbXBsZQ=="},'owntracks','owntracks.encrypted','location','info','encrypted: metadata only')
case('ot_steps.json','owntracks/bob/tablet/step',{"_type":"steps","tst":1767349440,"steps":4211,"from":1767300000,"to":1767349440},'owntracks','owntracks.steps','presence','low')
case('ot_beacon.json','owntracks/bob/tablet/beacon',{"_type":"beacon","uuid":"CA271EAE-5FA8-4E80-8F08-2A302A95A959","major":1,"minor":1,"tst":1767349440,"acc":2,"rssi":-60,"prox":1},'owntracks','owntracks.beacon','presence','medium')
case('ot_request.json','owntracks/bob/tablet/request',{"_type":"request","request":"tour"},'owntracks','owntracks.request','device_inventory','info')
# ---- Home Assistant discovery (abbreviations, ~, device-based)
case('ha_lock_abbrev.json','homeassistant/lock/frontdoor/config',{"~":"home/frontdoor","name":"Front door","uniq_id":"fd_lock","cmd_t":"~/set","stat_t":"~/state","pl_lock":"LOCK","pl_unlk":"UNLOCK","dev":{"ids":["lk1"],"mf":"Nuki","mdl":"Smart Lock 3","cu":"http://192.168.1.90"}},'homeassistant-discovery','homeassistant.lock','actuator_control','critical','abbreviations + ~')
case('ha_alarm_nocode.json','homeassistant/alarm_control_panel/node1/house/config',{"name":"House","cmd_t":"alarm/set","stat_t":"alarm/state","cod_dis_req":False},'homeassistant-discovery','homeassistant.alarm_control','actuator_control','critical','code_disarm_required false, node id level')
case('ha_alarm_remote.json','homeassistant/alarm_control_panel/house2/config',{"name":"House 2","command_topic":"alarm2/set","state_topic":"alarm2/state","code":"REMOTE_CODE"},'homeassistant-discovery','homeassistant.alarm_control','actuator_control','high','REMOTE_CODE is not a leaked code')
case('ha_cover_gate_pos.json','homeassistant/cover/drivegate/config',{"name":"Drive gate","dev_cla":"gate","set_pos_t":"gate/pos/set","pos_t":"gate/pos"},'homeassistant-discovery','homeassistant.cover_door','actuator_control','critical','only set_position_topic')
case('ha_cover_blind.json','homeassistant/cover/blind1/config',{"name":"Bedroom blind","dev_cla":"blind","cmd_t":"blind/1/set"},'homeassistant-discovery','homeassistant.cover','actuator_control','high')
case('ha_switch.json','homeassistant/switch/heater/config',{"name":"Heater","cmd_t":"heater/set","stat_t":"heater/state"},'homeassistant-discovery','homeassistant.switch','actuator_control','high')
case('ha_climate.json','homeassistant/climate/livingroom/config',{"name":"Thermostat","mode_cmd_t":"tstat/mode/set","temp_cmd_t":"tstat/temp/set"},'homeassistant-discovery','homeassistant.actuator','actuator_control','high')
case('ha_light.json','homeassistant/light/desk/config',{"name":"Desk lamp","cmd_t":"desk/set"},'homeassistant-discovery','homeassistant.actuator','actuator_control','medium')
case('ha_bs_occupancy.json','homeassistant/binary_sensor/office_occ/config',{"name":"Office","dev_cla":"occupancy","stat_t":"office/occ"},'homeassistant-discovery','homeassistant.presence_sensor','presence','high')
case('ha_bs_motion.json','homeassistant/binary_sensor/hall_motion/config',{"name":"Hall","dev_cla":"motion","stat_t":"hall/motion"},'homeassistant-discovery','homeassistant.motion_sensor','presence','medium')
case('ha_tracker_state.json','homeassistant/device_tracker/bob_phone/config',{"name":"Bob phone","stat_t":"trackers/bob","pl_home":"home"},'homeassistant-discovery','homeassistant.device_tracker_state','presence','high')
case('ha_camera.json','homeassistant/camera/porch/config',{"name":"Porch cam","t":"cams/porch/image","img_e":"b64"},'homeassistant-discovery','homeassistant.camera','presence','high')
case('ha_device_based.json','homeassistant/device/gdo1/config',{"dev":{"ids":"gdo1","name":"Garage controller","cu":"http://192.168.1.77"},"o":{"name":"gdo"},"~":"gdo1","cmps":{"door":{"p":"cover","dev_cla":"garage","cmd_t":"~/door/set","stat_t":"~/door/state","uniq_id":"gdo1_door"},"temp":{"p":"sensor","dev_cla":"temperature","stat_t":"~/temp","uniq_id":"gdo1_t"}}},'homeassistant-discovery','homeassistant.cover_door','actuator_control','critical','device-based discovery (cmps)')
case('ha_discovery_delete.txt','homeassistant/lock/frontdoor/config','','homeassistant-discovery','-','none','info','empty config = deletion')
# correlation
multi([('corr_door_config.json',{"name":"Back door","dev_cla":"door","stat_t":"zigbee2mqtt/back_door_contact","val_tpl":"{{ value_json.contact }}","pl_on":False,"pl_off":True}),('corr_door_state.json',{"contact":False,"battery":90,"linkquality":60})],['homeassistant/binary_sensor/bd/config','zigbee2mqtt/back_door_contact'],'homeassistant-discovery','homeassistant.state.binary_sensor','door_state','high','discovery semantics applied to a later state message')
multi([('corr_lock_state.txt','UNLOCKED'),('corr_lock_config.json',{"name":"Side door","cmd_t":"side/lock/set","stat_t":"side/lock/state"})],['side/lock/state','homeassistant/lock/side/config'],'homeassistant-discovery','homeassistant.state.lock','door_state','high','state before discovery')
multi([('corr_alarm_config.json',{"name":"House","cmd_t":"al/set","stat_t":"al/state"}),('corr_alarm_state.txt','disarmed')],['homeassistant/alarm_control_panel/al/config','al/state'],'homeassistant-discovery','homeassistant.state.alarm_control_panel','door_state','high')
multi([('corr_cover_config.json',{"name":"Garage","dev_cla":"garage","cmd_t":"g/set","stat_t":"g/state"}),('corr_cover_state.txt','open')],['homeassistant/cover/g/config','g/state'],'homeassistant-discovery','homeassistant.state.cover','door_state','high')
multi([('corr_tracker_config.json',{"name":"Bob phone","stat_t":"trk/bob"}),('corr_tracker_state.txt','not_home')],['homeassistant/device_tracker/bobp/config','trk/bob'],'homeassistant-discovery','homeassistant.state.device_tracker','presence','high')
multi([('corr_trk_attr_config.json',{"name":"Carol phone","json_attr_t":"trk/carol/attrs","src_type":"gps"}),('corr_trk_attr_state.json',{"latitude":52.517036,"longitude":13.388859,"gps_accuracy":12})],['homeassistant/device_tracker/carolp/config','trk/carol/attrs'],'homeassistant-discovery','homeassistant.state.device_tracker_location','location','critical','tracker attributes are a person position')
# statestream
case('ss_tracker.txt','homeassistant/device_tracker/bob_phone/state','home','homeassistant-statestream','homeassistant.statestream.tracker','presence','high','base_topic homeassistant trap: not discovery')
case('ss_person_lat.txt','homestream/person/bob/latitude','52.517036','homeassistant-statestream','homeassistant.statestream.location','location','critical')
case('ss_zone_lat.txt','homestream/zone/home/latitude','52.5170','homeassistant-statestream','homeassistant.statestream.zone','location','high')
case('ss_lock.txt','homestream/lock/front_door/state','unlocked','homeassistant-statestream','homeassistant.statestream.lock','door_state','high')
case('ss_alarm.txt','homestream/alarm_control_panel/house/state','disarmed','homeassistant-statestream','homeassistant.statestream.alarm','door_state','high')
case('ss_door.txt','homestream/binary_sensor/back_door/state','on','homeassistant-statestream','homeassistant.statestream.door','door_state','high')
case('ss_presence.txt','homestream/binary_sensor/hall_motion/state','on','homeassistant-statestream','homeassistant.statestream.presence','presence','high')
case('ss_cover.txt','homestream/cover/garage_door/state','open','homeassistant-statestream','homeassistant.statestream.cover','door_state','high')
# ---- tasmota
case('tas_sensors.json','tasmota/discovery/A4CF12B34D5E/sensors',{"sn":{"Time":"2026-01-02T10:15:00","ENERGY":{"Power":4}},"ver":1},'tasmota','tasmota.discovery_sensors','device_inventory','low')
case('tas_state_nowifi.json','tele/plug1/STATE',{"Time":"2026-01-02T10:15:00","Uptime":"0T01:00:00","POWER":"ON"},'tasmota','tasmota.state','device_inventory','low')
case('tas_info2.json','tele/plug1/INFO2',{"Info2":{"WebServerMode":"Admin","Hostname":"plug1-1234","IPAddress":"192.168.1.58"}},'tasmota','tasmota.info','device_inventory','low')
case('tas_power.txt','stat/plug1/POWER','OFF','tasmota','tasmota.relay','actuator_control','high')
case('tas_result.json','stat/plug1/RESULT',{"POWER":"ON"},'tasmota','tasmota.relay','actuator_control','high')
case('tas_status_pw.json','stat/plug1/STATUS6',{"StatusMQT":{"MqttHost":"192.168.1.10","MqttPort":1883,"MqttClient":"DVES_1A2B3C","MqttUser":"DVES_USER","MqttPassword":"hunter2hunter2"}},'tasmota','tasmota.status_mqtt_password','credential','critical','forks that echo the password')
case('tas_status_mqt.json','stat/plug1/STATUS6',{"StatusMQT":{"MqttHost":"192.168.1.10","MqttPort":1883,"MqttClient":"DVES_1A2B3C","MqttUser":"DVES_USER","MqttCount":1}},'tasmota','tasmota.status_mqtt','credential','high','user name only')
case('tas_status_net.json','stat/plug1/STATUS5',{"StatusNET":{"Hostname":"plug1-1234","IPAddress":"192.168.1.58","Gateway":"192.168.1.1","Mac":"A4:CF:12:B3:4D:5F"}},'tasmota','tasmota.status_net','device_inventory','medium')
case('tas_status_log.json','stat/plug1/STATUS3',{"StatusLOG":{"SerialLog":2,"SSId1":"Maple-Street-IoT","SSId2":""}},'tasmota','tasmota.status_wifi','device_inventory','medium')
case('tas_cmd_pw.txt','cmnd/plug1/MqttPassword','n3wS3cretPass','tasmota','tasmota.command_password','credential','critical')
case('tas_cmd_backlog.txt','cmnd/plug1/Backlog','SSId1 Home; Password1 wifipass123','tasmota','tasmota.command_password','credential','critical')
case('tas_cmd.txt','cmnd/plug1/POWER','TOGGLE','tasmota','tasmota.command','actuator_control','high')
# ---- shelly
case('shelly_announce_dev.json','shellies/shelly1-98CDAC1F2E3D/announce',{"id":"shelly1-98CDAC1F2E3D","model":"SHSW-1","mac":"98CDAC1F2E3D","ip":"192.168.1.61","new_fw":False,"fw_ver":"v1.14.0"},'shelly-gen1','shelly.announce','device_inventory','medium')
case('shelly_online.txt','shellies/shelly1-98CDAC1F2E3D/online','true','shelly-gen1','shelly.online','device_inventory','low')
case('shelly_roller.txt','shellies/shelly25-AABBCC/roller/0','open','shelly-gen1','shelly.roller','actuator_control','high')
case('shelly_command.txt','shellies/shelly1-98CDAC1F2E3D/relay/0/command','toggle','shelly-gen1','shelly.command','actuator_control','high')
case('shelly_info.json','shellies/shelly1-98CDAC1F2E3D/info',{"wifi_sta":{"connected":True,"ssid":"Maple-Street-IoT","ip":"192.168.1.61","rssi":-60},"mac":"98CDAC1F2E3D"},'shelly-gen1','shelly.info','device_inventory','medium')
case('shelly2_switch.json','shellyplus1-a8032ab12c3d/status/switch:0',{"id":0,"source":"init","output":True,"apower":0},'shelly-gen2','shelly2.switch','actuator_control','high')
case('shelly2_rpc.json','shellyplus1-a8032ab12c3d/rpc',{"id":1,"src":"user_1","method":"Switch.Set","params":{"id":0,"on":True}},'shelly-gen2','shelly2.rpc','actuator_control','high')
case('shelly2_events.json','shellyplus1-a8032ab12c3d/events/rpc',{"src":"shellyplus1-a8032ab12c3d","dst":"shellyplus1-a8032ab12c3d/events","method":"NotifyStatus","params":{"ts":1767349440.1,"switch:0":{"id":0,"output":False}}},'shelly-gen2','shelly2.events','device_inventory','medium')
# ---- zigbee2mqtt
case('z2m_info_1_15.json','zigbee2mqtt/bridge/info',{"version":"1.15.0","coordinator":{"ieee_address":"0x00124b0012345678","type":"zStack3x0"},"network":{"pan_id":6754,"channel":11},"config":{"mqtt":{"base_topic":"zigbee2mqtt","server":"mqtt://192.168.1.10","user":"z2m","password":"z2mSecretPass!"}}},'zigbee2mqtt','zigbee2mqtt.mqtt_password','credential','critical','Z2M 1.15.0 leaked mqtt.password')
case('z2m_info_netkey.json','zigbee2mqtt/bridge/info',{"version":"1.14.0","coordinator":{"ieee_address":"0x00124b0012345678"},"config":{"advanced":{"network_key":[1,3,5,7,9,11,13,15,0,2,4,6,8,10,12,13]}}},'zigbee2mqtt','zigbee2mqtt.network_key','network_key','critical','hypothetical leak: rule exists for forks/old builds')
case('z2m_info_token.json','zigbee2mqtt/bridge/info',{"version":"1.16.1","coordinator":{"ieee_address":"0x00124b0012345678"},"config":{"frontend":{"port":8080,"auth_token":"f00dcafe1234beef"}}},'zigbee2mqtt','zigbee2mqtt.frontend_token','credential','critical')
case('z2m_state_legacy.txt','zigbee2mqtt/bridge/state','online','zigbee2mqtt','zigbee2mqtt.bridge_state','device_inventory','info')
case('z2m_converters.json','zigbee2mqtt/bridge/converters',[{"name":"my.js","code":"const x = 1; module.exports = [];"}],'zigbee2mqtt','zigbee2mqtt.extensions','device_inventory','medium')
case('z2m_contact_open.json','zigbee2mqtt/back_door_contact',{"contact":False,"battery":91,"linkquality":72},'zigbee2mqtt','zigbee2mqtt.contact','door_state','high','contact:false = OPEN')
case('z2m_contact_closed.json','zigbee2mqtt/window_contact',{"contact":True,"battery":91,"linkquality":72},'zigbee2mqtt','zigbee2mqtt.contact','door_state','high')
case('z2m_lock_locked.json','zigbee2mqtt/side_lock',{"state":"LOCK","lock_state":"locked","battery":80},'zigbee2mqtt','zigbee2mqtt.lock','door_state','high')
case('z2m_occupancy.json','zigbee2mqtt/office_pir',{"occupancy":True,"illuminance":12,"linkquality":80},'zigbee2mqtt','zigbee2mqtt.occupancy','presence','high')
case('z2m_set.json','zigbee2mqtt/front_door_lock/set',{"state":"UNLOCK"},'zigbee2mqtt','zigbee2mqtt.set','actuator_control','high')
# ---- esphome
case('esphome_cmd.txt','garage-esp/cover/garage_door/command','OPEN','esphome','esphome.command','actuator_control','high')
case('esphome_debug.txt','garage-esp/debug','[D][sensor:093]: Sending state 21.5','esphome','esphome.debug','device_inventory','low')
# ---- frigate
case('frigate_review.json','frigate/reviews',{"type":"new","before":{},"after":{"id":"r1","camera":"driveway","data":{"objects":["car"],"zones":["drive"]}}},'frigate','frigate.review','presence','high')
case('frigate_snapshot.jpg','frigate/front_door/person/snapshot',b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9','frigate','frigate.snapshot','presence','high','binary JPEG')
case('frigate_detect_state.txt','frigate/front_door/recordings/state','ON','frigate','frigate.switch','actuator_control','high')
case('frigate_count.txt','frigate/front_door/person','1','frigate','frigate.count','presence','medium')
case('frigate_stats.json','frigate/stats',{"service":{"version":"0.14.1","uptime":3600},"cameras":{"front_door":{"camera_fps":5}}},'frigate','frigate.stats','device_inventory','medium')
# ---- teslamate
case('tm_location.json','teslamate/cars/1/location',{"latitude":52.517036,"longitude":13.388859},'teslamate','teslamate.location','location','critical')
case('tm_geofence.txt','teslamate/cars/1/geofence','Home','teslamate','teslamate.geofence','presence','high')
case('tm_unlocked.txt','teslamate/cars/1/locked','false','teslamate','teslamate.locked','door_state','high')
case('tm_locked.txt','teslamate/ns1/cars/2/locked','true','teslamate','teslamate.locked','door_state','medium','namespace level')
case('tm_doors.txt','teslamate/cars/1/doors_open','true','teslamate','teslamate.openings','door_state','high')
case('tm_present.txt','teslamate/cars/1/is_user_present','false','teslamate','teslamate.presence','presence','medium')
case('tm_name.txt','teslamate/cars/1/display_name','Red car','teslamate','teslamate.car','device_inventory','low')
# ---- victron
case('victron_gps.json','N/c0619ab1a2b3/gps/0/Position/Latitude',{"value":43.29421},'victron','victron.gps','location','critical')
case('victron_soc.json','N/c0619ab1a2b3/system/0/Dc/Battery/Soc',{"value":88.0},'victron','victron.control','actuator_control','high')
case('victron_write.json','W/c0619ab1a2b3/vebus/276/Mode',{"value":3},'victron','victron.write','actuator_control','high')
# ---- ring
case('ring_alarm.txt','ring/loc123/alarm/dev1/alarm/state','disarmed','ring-mqtt','ring.alarm','door_state','high')
case('ring_contact.txt','ring/loc123/alarm/dev2/contact/state','ON','ring-mqtt','ring.contact','door_state','high')
case('ring_lock.txt','ring/loc123/alarm/dev3/lock/state','UNLOCKED','ring-mqtt','ring.lock','door_state','high')
case('ring_motion.txt','ring/loc123/camera/dev4/motion/state','ON','ring-mqtt','ring.motion','presence','high')
case('ring_command.txt','ring/loc123/alarm/dev1/alarm/command','disarm','ring-mqtt','ring.command','actuator_control','high')
case('ring_info.json','ring/loc123/alarm/dev2/info/state',{"batteryLevel":90,"tamperStatus":"ok"},'ring-mqtt','ring.info','device_inventory','medium')
case('ring_status.txt','ring/loc123/alarm/dev2/status','online','ring-mqtt','ring.status','device_inventory','low')
# ---- zwave-js-ui
case('zw_gw_status.json','zwave/_CLIENTS/ZWAVE_GATEWAY-home/status',{"value":True,"time":1767349440},'zwave-js-ui','zwavejs.gateway','actuator_control','high')
case('zw_api.json','zwave/_CLIENTS/ZWAVE_GATEWAY-home/api/setValue/set',{"args":[1,{"commandClass":98,"property":"targetMode"},0]},'zwave-js-ui','zwavejs.api','actuator_control','high')
case('zw_lock.json','zwave/FrontDoor/door_lock/0/currentMode',{"time":1767349440,"value":0},'zwave-js-ui','zwavejs.lock','door_state','high')
case('zw_door.json','zwave/BackDoor/notification/0/Access_Control/Door_state',{"time":1767349440,"value":22},'zwave-js-ui','zwavejs.door','door_state','high')
# ---- domoticz
case('dz_door_closed.json','domoticz/out',{"idx":43,"name":"Back Door","switchType":"Door Contact","nvalue":0,"dtype":"Light/Switch"},'domoticz','domoticz.door','door_state','high')
case('dz_motion.json','domoticz/out',{"idx":44,"name":"Hall PIR","switchType":"Motion Sensor","nvalue":1},'domoticz','domoticz.motion','presence','high')
case('dz_switch.json','domoticz/out',{"idx":12,"name":"Boiler","switchType":"On/Off","nvalue":1,"dtype":"Light/Switch"},'domoticz','domoticz.switch','actuator_control','high')
case('dz_temp.json','domoticz/out',{"idx":7,"name":"Outside","dtype":"Temp","svalue1":"6.4"},'domoticz','domoticz.device','device_inventory','low')
case('dz_in.json','domoticz/in',{"command":"switchlight","idx":12,"switchcmd":"On"},'domoticz','domoticz.in','actuator_control','high')
# ---- omg / theengs
case('omg_ble.json','home/TheengsGateway/BTtoMQTT/AABBCCDDEEFF',{"id":"AA:BB:CC:DD:EE:FF","name":"Bob's watch","rssi":-70},'theengs','omg.ble','presence','medium')
case('omg_rf.json','home/OpenMQTTGateway/433toMQTT',{"value":1315156,"protocol":1,"length":24,"delay":317},'openmqttgateway','omg.rf','actuator_control','high','replayable remote codes')
case('omg_lwt.txt','home/OpenMQTTGateway/LWT','online','openmqttgateway','omg.lwt','device_inventory','low')
# ---- rtl_433
case('rtl_door.json','rtl_433/pi-sdr/events',{"time":"2026-01-02 10:15:03","model":"Generic-Remote-Door","id":1234,"state":"open"},'rtl_433','rtl433.security','presence','high')
case('rtl_contact.json','rtl_433/pi-sdr/events',{"time":"2026-01-02 10:15:03","model":"Honeywell-2Gig","id":99,"contact_open":1},'rtl_433','rtl433.security','presence','high')
case('rtl_tpms.json','rtl_433/pi-sdr/events',{"time":"2026-01-02 10:15:03","model":"Toyota","type":"TPMS","id":"0x1a2b3c4d","pressure_kPa":230},'rtl_433','rtl433.tpms','presence','medium')
case('rtl_devices.txt','rtl_433/pi-sdr/devices/Acurite-Tower/A/5011/temperature_C','6.4','rtl_433','rtl433.events','device_inventory','low')
# ---- glances
case('glances_public_ip.txt','glances/nas/ip/public_address','203.0.113.45','glances','glances.ip','device_inventory','medium')
case('glances_cpu.json','glances/nas/cpu',{"total":12.5},'glances','glances.host','device_inventory','low')
# ---- valetudo
case('valetudo_map.bin','valetudo/ShinyRobot/MapData/map-data',b'\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR','valetudo','valetudo.map','device_inventory','medium')
case('valetudo_set.txt','valetudo/ShinyRobot/BasicControlCapability/operation/set','START','valetudo','valetudo.control','actuator_control','medium')
# ---- espurna / homie
case('espurna_ssid.txt','ESPURNA-3A2B1C/ssid','Maple-Street-IoT','espurna','espurna.wifi','device_inventory','medium')
case('espurna_relay.txt','ESPURNA-3A2B1C/relay/0','1','espurna','espurna.relay','actuator_control','high')
case('homie_config.json','homie/gate-ctl/$implementation/config',{"name":"Gate","wifi":{"ssid":"Maple-Street-IoT"},"mqtt":{"host":"192.168.1.10","port":1883},"ota":{"enabled":True}},'homie','homie.config','device_inventory','medium','passwords are stripped by Homie')
case('homie_state.txt','homie/gate-ctl/$state','ready','homie','homie.reset','device_inventory','low')
# ---- generic
case('gen_private_key.txt','devices/gw1/tls','-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIsyntheticsyntheticsyntheticAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n','generic','generic.private_key','credential','critical')
case('gen_secret.json','devices/gw1/config',{"wifi":{"ssid":"Maple","psk":"correct-horse-battery"},"mqtt":{"user":"gw","password":"gwpass1234"}},'generic','generic.secret','credential','critical')
case('gen_secret_text.txt','devices/gw1/log','connecting with password=letmein123 to broker','generic','generic.secret','credential','critical','key=value in text')
case('gen_jwt.json','devices/gw1/auth',{"session":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyMSIsImlhdCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlc2lnbmF0dXJl"},'generic','generic.jwt','credential','high')
case('gen_loc_precise.json','fleet/van7/status',{"gps":{"lat":48.858370,"lng":2.294481},"speed":0},'generic','generic.location','location','high','precise pair nested')
case('gen_loc_medium.json','weather/station1',{"latitude":48.86,"longitude":2.29,"temp":11.2},'generic','generic.location','location','medium','2 decimals')
case('gen_loc_coarse.json','weather/station2',{"lat":49,"lon":2,"temp":11.2},'generic','generic.location_coarse','location','low','fixed coarse position')
case('gen_lat_text.txt','boat/nav/latitude','43.294210','generic','generic.location','location','high','coordinate on its own topic')
case('gen_lat_text_coarse.txt','boat/nav/latitude','43.3','generic','generic.location_coarse','location','low')
case('gen_email.json','app/user/profile',{"contact":"carol.example@example.org","theme":"dark"},'generic','generic.email','device_inventory','medium')
case('gen_netids.json','net/gw/status',{"wan_ip":"198.51.100.7","lan_mac":"AA:BB:CC:DD:EE:01"},'generic','generic.network_ids','device_inventory','low')
# negatives
case('neg_deep_5000.json','devtest/deeper','['*5000+']'*5000,'other','-','none','info','5000-level nesting')
case('neg_double_encoded.json','devtest/double',json.dumps(json.dumps({"note":"no secrets here","n":1})),'other','-','none','info','double-encoded JSON string')
case('neg_double_encoded_secret.json','devtest/double2',json.dumps(json.dumps({"password":"doubleEncodedPw1"})),'generic','generic.secret','credential','critical','double-encoded JSON string decoded one level')
case('neg_lookalike.json','owntracks/eve/phone/status',{"_type":"status","android":{"wifi":1}},'owntracks','-','none','info')
case('neg_lookalike2.json','tele/plug1/SENSOR',{"Time":"2026-01-02T10:15:00","ENERGY":{"Power":4}},'tasmota','-','none','info')
case('neg_empty.txt','sensors/anything','','other','-','none','info','empty payload')
case('neg_zero_coords.json','gps/test',{"lat":0,"lon":0},'other','-','none','info','0,0 is no position')
case('neg_placeholder_pw.json','cfg/dev',{"password":"********","token":""},'other','-','none','info','masked placeholders')
case('neg_nul.bin','sensors/raw',b'{"password":"x\x00yzzyzzy"}','other','-','none','info','NUL inside JSON')

with open(os.path.join(ROOT,'MANIFEST.tsv'),'w') as f:
    f.write('file\ttopic\tecosystem\tid\tcategory\tseverity\tnote\n')
    for r in rows: f.write('\t'.join(r)+'\n')
print(len(rows))
