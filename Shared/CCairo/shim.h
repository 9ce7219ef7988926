#ifndef TTHC_CCAIRO_SHIM_H
#define TTHC_CCAIRO_SHIM_H
#include <cairo.h>
#include <cairo-pdf.h>
#endif
