/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#include <errno.h>
#include <stdlib.h>

#include "plx_parse.h"

int
plx_parse_u64(const char *s, int base, uint64_t min, uint64_t max,
		uint64_t *v)
{
	char *end;

	/* strtoull takes "-1" as its two's complement: refuse signs. */
	if (s[0] == '-' || s[0] == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno == 0 && end != s && *end == '\0' &&
		*v >= min && *v <= max ? 0 : -EINVAL;
}
