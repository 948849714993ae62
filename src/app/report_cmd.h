/* The result commands: `mqttsweep report` (report_main.c) and `mqttsweep diff` (diff.c). */
#ifndef MSW_REPORT_CMD_H
#define MSW_REPORT_CMD_H

int report_main(int argc, char **argv);
int diff_main(int argc, char **argv);

#endif
