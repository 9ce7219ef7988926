#ifndef TTHC_CQRENCODE_SHIM_H
#define TTHC_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
