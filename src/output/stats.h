/* `mqttsweep stats DB [--format text|json] [--scan ID]`: the study-style summary over a
 * SQLite result. argv[0] is "stats" (the subcommand), argv[1..] its arguments. Returns
 * the process exit code: 0, 2 (usage, unreadable or foreign database), 3 (output). */
#ifndef MSW_STATS_H
#define MSW_STATS_H

int stats_main(int argc, char **argv);

#endif
