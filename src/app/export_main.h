/* `mqttsweep export SOURCE --format F --out DIR ...`: the command line of the CERT
 * exports (output/export.h does the work). */
#ifndef MSW_EXPORT_MAIN_H
#define MSW_EXPORT_MAIN_H

/* argv[0] is "export". Exit codes: 0 written, 2 usage, 3 runtime (I/O, corrupt source). */
int export_main(int argc, char **argv);

#endif
