/* Hand-named topics: reads the words of topic levels and payloads (vocabulary and rules in
 * rules_words.c).
 *
 * Folding: UTF-8 letters of Latin-1 and Latin Extended-A lose their accents (ü -> u, ł -> l,
 * ß -> ss, œ -> oe), ASCII goes to lower case; anything else separates tokens. A level
 * yields its tokens (split at separators, at camelCase humps and between letters and
 * digits: "frontDoor2" -> front, door, 2) and its joined form ("porte-fenêtre" ->
 * portefenetre); both are looked up whole in the lexicon, which is built once (sorted,
 * binary search) from the word lists.
 *
 * One analysis per message, shared by every rule of the table (struct cls_named):
 *   1. a level naming a context (network, usb, modbus) -> nothing;
 *   2. a last level that measures or configures (battery, lux, delay) -> nothing;
 *   3. a last level that takes commands (set, befehl, commande) -> a command, if a level
 *      above names a thing with a strong word;
 *   4. otherwise the level nearest the leaf that names a thing decides what it is, and the
 *      payload must say a state: a state word, a JSON object with a state key, or a
 *      boolean (a contact's false is open, Zigbee2MQTT's convention; other booleans have
 *      no known polarity).
 * Within one level the priority of enum cls_concept decides (a "gate light" is a light).
 * The rules (hook_named) then pick what they report by concept and state. */
#define _GNU_SOURCE
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"

#define WORD_MAX 48
#define LEVEL_MAX 96       /* folded level kept for matching; longer levels are cut */
#define TOKENS_MAX 12

/* ---- folding ---- */

/* U+00C0..U+00FF and U+0100..U+017F to ASCII; '1' = "ae", '2' = "ss", '3' = "oe", ' ' = a
 * separator (× ÷). */
static const char latin1[] = "aaaaaa1ceeeeiiiidnooooo ouuuuyt2aaaaaa1ceeeeiiiidnooooo ouuuuyty";
static const char latin_ext_a[] = "aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh"
				  "iiiiiiiiii" "ii" "jj" "kkk" "llllllllll" "nnnnnnnnn" "oooooo"
				  "33" "rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy"
				  "zzzzzz" "s";
_Static_assert(sizeof(latin1) == 65, "U+00C0..U+00FF");
_Static_assert(sizeof(latin_ext_a) == 129, "U+0100..U+017F");

/* One character at p (n bytes left): its folded letters into out (0-2), *adv bytes used,
 * *upper when it was an ASCII capital. 0 letters = a separator. */
static int fold_char(const unsigned char *p, size_t n, size_t *adv, char out[2], bool *upper)
{
	char c = 0;

	*upper = false;
	*adv = 1;
	if (p[0] < 0x80) {
		if (!isalnum(p[0]))
			return 0;
		*upper = isupper(p[0]) != 0;
		out[0] = (char)tolower(p[0]);
		return 1;
	}
	if (n >= 2 && (p[1] & 0xC0) == 0x80 && p[0] >= 0xC3 && p[0] <= 0xC5) {
		unsigned cp = ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);

		*adv = 2;
		if (cp >= 0xC0 && cp <= 0xFF)
			c = latin1[cp - 0xC0];
		else if (cp >= 0x100 && cp <= 0x17F)
			c = latin_ext_a[cp - 0x100];
	} else {
		/* another UTF-8 sequence (or a stray byte): skip it whole, as a separator */
		while (*adv < n && (p[*adv] & 0xC0) == 0x80 && *adv < 4)
			(*adv)++;
		return 0;
	}
	switch (c) {
	case 0: case ' ': return 0;
	case '1': out[0] = 'a'; out[1] = 'e'; return 2;
	case '2': out[0] = 's'; out[1] = 's'; return 2;
	case '3': out[0] = 'o'; out[1] = 'e'; return 2;
	default: out[0] = c; return 1;
	}
}

size_t cls_fold(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0, i = 0;

	while (i < n && o + 1 < cap) {
		char f[2];
		size_t adv;
		bool up;
		int k = fold_char((const unsigned char *)s + i, n - i, &adv, f, &up);

		for (int j = 0; j < k && o + 1 < cap; j++)
			out[o++] = f[j];
		i += adv;
	}
	if (cap)
		out[o] = 0;
	return o;
}

/* A level: its joined form and its tokens. */
struct level_words {
	char joined[LEVEL_MAX];
	char tok[TOKENS_MAX][WORD_MAX];
	int ntok;
};

static void split_level(const char *s, size_t n, struct level_words *w)
{
	size_t i = 0, o = 0, t = 0;
	int prev = 0; /* 0 separator, 1 lower letter, 2 upper letter, 3 digit */

	w->ntok = 0;
	w->joined[0] = 0;
	while (i < n) {
		char f[2];
		size_t adv;
		bool up;
		int k = fold_char((const unsigned char *)s + i, n - i, &adv, f, &up);
		int cls = !k ? 0 : isdigit((unsigned char)f[0]) ? 3 : up ? 2 : 1;
		bool brk = !k || (prev && ((prev == 1 && cls == 2) || ((prev == 3) != (cls == 3))));

		if (brk && t) {
			w->tok[w->ntok][t] = 0;
			if (w->ntok + 1 < TOKENS_MAX)
				w->ntok++;
			t = 0;
		}
		for (int j = 0; j < k; j++) {
			if (o + 1 < sizeof(w->joined))
				w->joined[o++] = f[j];
			if (t + 1 < WORD_MAX)
				w->tok[w->ntok][t++] = f[j];
		}
		prev = cls;
		i += adv;
	}
	if (t) {
		w->tok[w->ntok][t] = 0;
		w->ntok++;
	}
	w->joined[o] = 0;
}

/* ---- the lexicon: one entry per folded word, with every class it belongs to ---- */

struct lex_word {
	char w[WORD_MAX];
	uint16_t kinds;          /* bit per enum cls_lex */
	uint8_t concept, cflags, state;
};

static struct lex_word *lexicon;   /* open addressing, power-of-two slots; w[0] == 0: free */
static size_t lex_mask;
static char (*excludes)[WORD_MAX];
static size_t nexcludes;
static pthread_once_t lex_once = PTHREAD_ONCE_INIT;

static uint32_t word_hash(const char *w)
{
	uint32_t h = 2166136261u;

	for (; *w; w++)
		h = (h ^ (uint8_t)*w) * 16777619u;
	return h;
}

static struct lex_word *slot(const char *w)
{
	size_t i = word_hash(w) & lex_mask;

	while (lexicon[i].w[0] && strcmp(lexicon[i].w, w) != 0)
		i = (i + 1) & lex_mask;
	return &lexicon[i];
}

static size_t count_words(void)
{
	size_t n = 0;

	for (size_t i = 0; i < cls_nword_lists; i++)
		for (const char *p = cls_word_lists[i].words; *p; p++)
			n += (p == cls_word_lists[i].words || p[-1] == ' ') && *p != ' ';
	return n;
}

static void lex_add(const struct cls_words *wl, const char *f)
{
	struct lex_word *e;

	if (wl->lex == LX_EXCLUDE) {
		memcpy(excludes[nexcludes++], f, WORD_MAX);
		return;
	}
	e = slot(f);
	if (!e->w[0])
		memcpy(e->w, f, WORD_MAX);
	e->kinds |= (uint16_t)(1u << wl->lex);
	if (wl->lex == LX_CONCEPT) {
		e->concept = (uint8_t)wl->value;
		e->cflags = (uint8_t)wl->flags;
	} else if (wl->lex == LX_STATE) {
		e->state = (uint8_t)wl->value;
	}
}

static void lex_init(void)
{
	size_t words = count_words(), cap = 64;

	while (cap < words * 2)
		cap *= 2;
	lexicon = calloc(cap, sizeof(*lexicon));
	excludes = calloc(words ? words : 1, sizeof(*excludes));
	if (!lexicon || !excludes) {
		free(lexicon);
		free(excludes);
		lexicon = NULL;
		excludes = NULL;
		return;
	}
	lex_mask = cap - 1;
	for (size_t i = 0; i < cls_nword_lists; i++) {
		for (const char *p = cls_word_lists[i].words; *p;) {
			size_t len = strcspn(p, " ");
			char f[WORD_MAX] = { 0 };

			if (len && cls_fold(p, len, f, sizeof(f)))
				lex_add(&cls_word_lists[i], f);
			p += len;
			while (*p == ' ')
				p++;
		}
	}
}

void cls_words_prepare(void)
{
	pthread_once(&lex_once, lex_init);
}

/* The lexicon entry of a folded word, or NULL. */
static const struct lex_word *word(const char *w)
{
	const struct lex_word *e;

	cls_words_prepare();
	if (!w[0] || !lexicon)
		return NULL;
	e = slot(w);
	return e->w[0] ? e : NULL;
}

static bool is(const char *w, enum cls_lex lex)
{
	const struct lex_word *e = word(w);

	return e && (e->kinds & (1u << lex));
}

/* The level's joined form or one of its tokens is a word of class lex. */
static bool level_has(const struct level_words *w, enum cls_lex lex)
{
	if (is(w->joined, lex))
		return true;
	for (int i = 0; i < w->ntok; i++)
		if (is(w->tok[i], lex))
			return true;
	return false;
}

static bool excluded(const struct level_words *w)
{
	for (size_t i = 0; i < nexcludes; i++)
		if (strstr(w->joined, excludes[i]))
			return true;
	return false;
}

/* The thing a level names: the highest-priority concept among its words (NULL if none, or
 * when a false friend is part of the level). */
static const struct lex_word *level_concept(const struct level_words *w)
{
	const struct lex_word *best = NULL, *e;

	if ((e = word(w->joined)) && (e->kinds & (1u << LX_CONCEPT)))
		best = e;
	for (int i = 0; i < w->ntok; i++)
		if ((e = word(w->tok[i])) && (e->kinds & (1u << LX_CONCEPT)) &&
		    (!best || e->concept > best->concept))
			best = e;
	return best && !excluded(w) ? best : NULL;
}

/* ---- payload ---- */

static enum cls_state word_state(const char *s, size_t n, char *folded, size_t cap)
{
	const struct lex_word *e;

	if (n > 64)
		return CS_NONE;
	cls_fold(s, n, folded, cap);
	e = word(folded);
	return e && (e->kinds & (1u << LX_STATE)) ? (enum cls_state)e->state : CS_NONE;
}

/* A state in a JSON object: the first state key with a state word or a boolean. */
static enum cls_state json_state(struct cls_named *a, const cJSON *j, bool *contact)
{
	const cJSON *it;
	int seen = 0;

	cJSON_ArrayForEach(it, j) {
		char k[WORD_MAX];
		enum cls_state s = CS_NONE;

		if (++seen > 64 || !it->string || !cls_fold(it->string, strlen(it->string), k, sizeof(k)) ||
		    !is(k, LX_STATEKEY))
			continue;
		if (cJSON_IsBool(it))
			s = cJSON_IsTrue(it) ? CS_BOOL_T : CS_BOOL_F;
		else if (cJSON_IsString(it) && it->valuestring)
			s = word_state(it->valuestring, strlen(it->valuestring), a->value, sizeof(a->value));
		if (s == CS_NONE)
			continue;
		if (cJSON_IsBool(it))
			snprintf(a->value, sizeof(a->value), "%s", cJSON_IsTrue(it) ? "true" : "false");
		*contact = strcmp(k, "contact") == 0;
		return s;
	}
	return CS_NONE;
}

/* A magnet contact reports true when closed (Zigbee2MQTT "contact": false = open). */
static void contact_polarity(struct cls_named *a)
{
	if (a->state == CS_BOOL_T || a->state == CS_BOOL_F) {
		a->state = a->state == CS_BOOL_T ? CS_CLOSED : CS_OPEN;
		a->polarity_known = true;
	}
}

static void payload_state(struct cls_named *a, const struct cls_run *r, const char *leaf)
{
	bool contact = false;

	if (cJSON_IsObject(r->json))
		a->state = json_state(a, r->json, &contact);
	else if (r->text && r->text[0])
		a->state = word_state(r->text, strlen(r->text), a->value, sizeof(a->value));
	if (contact || strcmp(leaf, "contact") == 0 || strcmp(leaf, "kontakt") == 0)
		contact_polarity(a);
}

/* What a command said, shown only when it is one of our words (a payload on a /set topic can
 * be anything, a password included). */
static void command_value(struct cls_named *a, const struct cls_run *r)
{
	char f[sizeof(a->value)];

	a->value[0] = 0;
	if (r->text && strlen(r->text) < sizeof(f) && cls_fold(r->text, strlen(r->text), f, sizeof(f)) &&
	    (is(f, LX_STATE) || is(f, LX_VERB)))
		memcpy(a->value, f, sizeof(f));
	else
		snprintf(a->value, sizeof(a->value), "[%zu bytes]", r->plen);
}

/* ---- the analysis ---- */

static void level_at(const struct cls_run *r, const struct cls_tview *v, int i, struct level_words *w)
{
	split_level(r->topic + v->l[i].off, v->l[i].len, w);
}

/* Cheapest checks first: most messages are telemetry whose leaf measures or whose payload is
 * no state word, and they leave before the levels above the leaf are read. */
static void analyse(struct cls_run *r)
{
	struct cls_named *a = &r->named;
	struct cls_tview v;
	struct level_words w, leaf;
	const struct lex_word *e = NULL;
	int start;

	a->done = true;
	if (!r->tlen || r->topic[0] == '$')
		return;
	cls_tview_init(&v, r->topic, r->tlen);
	if (v.nl <= 0)
		return;
	level_at(r, &v, v.nl - 1, &leaf);
	if (level_has(&leaf, LX_MEASURE))
		return;
	a->kind = is(leaf.joined, LX_COMMAND) ? CN_COMMAND : CN_STATE;
	start = a->kind == CN_COMMAND ? v.nl - 2 : v.nl - 1;
	if (a->kind == CN_STATE && v.nl >= 2) {
		/* ".../command/door" (ratgdo's layout): the thing is the leaf */
		level_at(r, &v, v.nl - 2, &w);
		if (is(w.joined, LX_COMMAND) && (e = level_concept(&leaf)))
			a->kind = CN_COMMAND;
	}
	if (a->kind == CN_STATE) {
		payload_state(a, r, leaf.joined);
		if (a->state == CS_NONE)
			goto none;
	}
	for (int i = 0; i < v.nl; i++) {
		level_at(r, &v, i, &w);
		if (level_has(&w, LX_CONTEXT))
			goto none;
	}
	int at = e ? v.nl - 1 : -1;

	for (int i = start; i >= 0 && !e; i--) {
		level_at(r, &v, i, &w);
		if ((e = level_concept(&w)))
			at = i;
	}
	if (!e)
		goto none;
	/* "garage/door", "hoftor/tuer": a door under a garage or gate is that garage or gate */
	for (int i = at - 1; e->concept == CC_DOOR && i >= 0 && i >= at - 2; i--) {
		const struct lex_word *up;

		level_at(r, &v, i, &w);
		if ((up = level_concept(&w)) && (up->concept == CC_GARAGE || up->concept == CC_GATE))
			e = up;
		if (up)
			break;
	}
	a->concept = (enum cls_concept)e->concept;
	a->weak = e->cflags & LXF_WEAK;
	snprintf(a->word, sizeof(a->word), "%s", e->w);
	if (a->kind == CN_COMMAND)
		command_value(a, r);
	return;
none:
	a->kind = CN_NONE;
}

/* ---- rules ---- */

static const char *const concept_names[CC__COUNT] = {
	[CC_NONE] = "none", [CC_PRESENCE] = "presence", [CC_MOTION] = "motion",
	[CC_SHUTTER] = "shutter", [CC_WINDOW] = "window", [CC_DOOR] = "door", [CC_ALARM] = "alarm",
	[CC_GATE] = "gate", [CC_GARAGE] = "garage", [CC_LOCK] = "lock", [CC_LIGHT] = "light",
};
/* what the owner reads */
static const char *const concept_labels[CC__COUNT] = {
	[CC_NONE] = "thing", [CC_PRESENCE] = "presence indicator", [CC_MOTION] = "motion sensor",
	[CC_SHUTTER] = "shutter", [CC_WINDOW] = "window", [CC_DOOR] = "door",
	[CC_ALARM] = "alarm system", [CC_GATE] = "gate", [CC_GARAGE] = "garage door",
	[CC_LOCK] = "lock", [CC_LIGHT] = "light",
};
static const char *const state_names[CS__COUNT] = {
	[CS_NONE] = "none", [CS_OPEN] = "open", [CS_CLOSED] = "closed", [CS_LOCKED] = "locked",
	[CS_UNLOCKED] = "unlocked", [CS_ARMED] = "armed", [CS_DISARMED] = "disarmed",
	[CS_ON] = "on", [CS_OFF] = "off", [CS_BOOL_T] = "bool", [CS_BOOL_F] = "bool",
	[CS_HOME] = "home", [CS_AWAY] = "away", [CS_DETECTED] = "detected", [CS_CLEAR] = "clear",
};

const char *cls_concept_name(enum cls_concept c)
{
	return (unsigned)c < CC__COUNT ? concept_names[c] : "none";
}

const char *cls_state_name(enum cls_state s)
{
	return (unsigned)s < CS__COUNT ? state_names[s] : "none";
}

/* name is in the comma list of field k (0, 1, 2) of "kind:concepts:states"; '*' = any. */
static bool arg_has(const char *arg, int k, const char *name)
{
	const char *p = arg;
	size_t n = strlen(name);

	for (int i = 0; i < k; i++) {
		p = strchr(p, ':');
		if (!p)
			return false;
		p++;
	}
	if (p[0] == '*')
		return true;
	for (;;) {
		size_t len = strcspn(p, ",:");

		if (len == n && memcmp(p, name, n) == 0)
			return true;
		if (p[len] != ',')
			return false;
		p += len + 1;
	}
}

/* The state as the title says it: an alarm switched on is armed; a bare boolean says what it
 * said. */
static const char *state_text(const struct cls_named *a)
{
	if (a->concept == CC_ALARM && (a->state == CS_ON || a->state == CS_OFF))
		return a->state == CS_ON ? "armed" : "disarmed";
	if (a->state == CS_BOOL_T)
		return a->concept == CC_PRESENCE ? "yes" : "on";
	if (a->state == CS_BOOL_F)
		return a->concept == CC_PRESENCE ? "no" : "off";
	if (a->state == CS_OPEN && a->polarity_known)
		return "open (contact false)";
	if (a->state == CS_CLOSED && a->polarity_known)
		return "closed (contact true)";
	return cls_state_name(a->state);
}

bool hook_named(struct cls_run *r, const struct rule *ru)
{
	struct cls_named *a = &r->named;
	bool boolish;

	if (!a->done)
		analyse(r);
	if (a->kind == CN_NONE || !ru->arg)
		return false;
	if ((a->kind == CN_COMMAND) != (strncmp(ru->arg, "command:", 8) == 0))
		return false;
	if (!arg_has(ru->arg, 1, cls_concept_name(a->concept)))
		return false;
	if (a->kind == CN_COMMAND) {
		/* a weak word ("alarm", "porta") takes a command only when the command is one of
		 * our words (disarm, apri) */
		if (a->weak && a->value[0] == '[')
			return false;
	} else {
		boolish = a->state == CS_BOOL_T || a->state == CS_BOOL_F;
		if (a->state == CS_NONE || (a->weak && boolish))
			return false;
		if (!arg_has(ru->arg, 2, cls_state_name(a->state)))
			return false;
	}
	cls_var(r, "what", concept_labels[a->concept], RC_SAFE);
	cls_var(r, "word", a->word, RC_SAFE);
	cls_var(r, "state", a->kind == CN_COMMAND ? "command" : state_text(a), RC_SAFE);
	cls_var(r, "value", a->value[0] ? a->value : "-", RC_SAFE);
	return true;
}
