/* `mqttsweep harden`: a Mosquitto 2.0 configuration with accounts and an ACL (harden.c). */
#ifndef MSW_HARDEN_H
#define MSW_HARDEN_H

int harden_main(int argc, char **argv);

#endif
