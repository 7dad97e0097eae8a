#ifndef LEADSD_CLIBPQ_SHIM_H
#define LEADSD_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
