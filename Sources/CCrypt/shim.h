#ifndef LEADSD_CCRYPT_SHIM_H
#define LEADSD_CCRYPT_SHIM_H
#include <crypt.h>
#endif
