/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_PARSE_H
#define PLX_PARSE_H

#include <stdint.h>

/*
 * Parse the whole of s as an unsigned number in base (0: decimal, 0x hex
 * or 0 octal) within [min, max]. 0, or -EINVAL for anything else: empty,
 * trailing characters, a sign, overflow, out of range.
 */
int plx_parse_u64(const char *s, int base, uint64_t min, uint64_t max,
		uint64_t *v);

#endif /* PLX_PARSE_H */
