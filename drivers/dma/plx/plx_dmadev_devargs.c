/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Device arguments: "-a 0000:03:00.1,max_txfr=512,pref_limit=8". Every
 * fault in them fails the probe with one log line naming the key; the
 * pairs are walked here rather than through rte_kvargs_process(), which
 * hands a handler a NULL value for a bare key on some releases and calls
 * it once per repeat of a key.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_devargs.h>
#include <rte_kvargs.h>

#include "plx_dmadev.h"

enum plx_dma_arg {
	PLX_DMA_ARG_MAX_TXFR = 0,
	PLX_DMA_ARG_PREF_LIMIT,
	PLX_DMA_ARG_STOP_TIMEOUT,
	PLX_DMA_ARG_GONE_CHECK,
	PLX_DMA_ARG_SRC_FIRST,
	PLX_DMA_NB_ARGS
};

static const struct {
	const char *key;
	uint32_t min;
	uint32_t max;
} plx_dma_args[PLX_DMA_NB_ARGS] = {
	[PLX_DMA_ARG_MAX_TXFR] = { PLX_DMA_DEVARG_MAX_TXFR, 64, 2048 },
	[PLX_DMA_ARG_PREF_LIMIT] = { PLX_DMA_DEVARG_PREF_LIMIT, 0, 8 },
	[PLX_DMA_ARG_STOP_TIMEOUT] = { PLX_DMA_DEVARG_STOP_TIMEOUT, 1, 60000 },
	[PLX_DMA_ARG_GONE_CHECK] = { PLX_DMA_DEVARG_GONE_CHECK, 0, 1000000 },
	[PLX_DMA_ARG_SRC_FIRST] = { PLX_DMA_DEVARG_SRC_FIRST, 0, 1 },
};

static const struct plx_dma_devargs plx_dma_default_args = {
	.max_txfr_code = PLX_CTRL2_MAX_TXFR_64B,
	.pref_limit = PLX_PREF_LIMIT_4_DESC,
	.stop_timeout_ms = 1000,
	.gone_check_us = 100,
};

static int
plx_dma_arg_index(const char *key)
{
	int i;

	for (i = 0; i < PLX_DMA_NB_ARGS; i++)
		if (strcmp(key, plx_dma_args[i].key) == 0)
			return i;
	return -1;
}

/* A decimal or 0x number, nothing else, within the key's range. */
static int
plx_dma_arg_value(int i, const char *value, uint32_t *out)
{
	const char *key = plx_dma_args[i].key;
	unsigned long long v;
	char *end;

	if (value == NULL || value[0] == '\0') {
		PLX_DMA_LOG(ERR, "devarg %s needs a value", key);
		return -EINVAL;
	}
	errno = 0;
	/* Decimal, or hexadecimal after 0x: never octal (plx.rst). */
	v = strtoull(value, &end,
		value[0] == '0' && (value[1] == 'x' || value[1] == 'X') ? 16 : 10);
	if (value[0] < '0' || value[0] > '9' || errno != 0 || *end != '\0') {
		PLX_DMA_LOG(ERR, "devarg %s: '%s' is not a number", key, value);
		return -EINVAL;
	}
	if (v < plx_dma_args[i].min || v > plx_dma_args[i].max) {
		PLX_DMA_LOG(ERR, "devarg %s: %s is outside %u..%u", key, value,
			plx_dma_args[i].min, plx_dma_args[i].max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
plx_dma_txfr_code(uint32_t bytes, uint8_t *code)
{
	uint8_t c;

	for (c = PLX_CTRL2_MAX_TXFR_64B; c <= PLX_CTRL2_MAX_TXFR_2KB; c++) {
		if (bytes == 64u << c) {
			*code = c;
			return 0;
		}
	}
	PLX_DMA_LOG(ERR, "devarg %s: %u is not 64, 128, 256, 512, 1024 or 2048",
		PLX_DMA_DEVARG_MAX_TXFR, bytes);
	return -EINVAL;
}

/* Every pair once, known and with a good value, into val[] and *seen. */
static int
plx_dma_collect_args(const struct rte_kvargs *kv, uint32_t *val,
		unsigned int *seen)
{
	unsigned int n;
	int i, ret;

	for (n = 0; n < kv->count; n++) {
		const char *key = kv->pairs[n].key;

		i = plx_dma_arg_index(key);
		if (i < 0) {
			PLX_DMA_LOG(ERR, "unknown devarg %s (known: %s)", key,
				PLX_DMA_DEVARGS_HELP);
			return -EINVAL;
		}
		if (*seen & (1u << i)) {
			PLX_DMA_LOG(ERR, "devarg %s given twice", key);
			return -EINVAL;
		}
		ret = plx_dma_arg_value(i, kv->pairs[n].value, &val[i]);
		if (ret != 0)
			return ret;
		*seen |= 1u << i;
	}
	return 0;
}

int
plx_dma_parse_devargs(const struct rte_devargs *devargs,
		struct plx_dma_devargs *args)
{
	uint32_t val[PLX_DMA_NB_ARGS];
	unsigned int seen = 0;
	struct rte_kvargs *kv;
	int ret;

	*args = plx_dma_default_args;
	if (devargs == NULL || devargs->args == NULL || devargs->args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(devargs->args, NULL);
	if (kv == NULL) {
		PLX_DMA_LOG(ERR, "devargs '%s' cannot be parsed (known: %s)",
			devargs->args, PLX_DMA_DEVARGS_HELP);
		return -EINVAL;
	}
	ret = plx_dma_collect_args(kv, val, &seen);
	rte_kvargs_free(kv);
	if (ret == 0 && (seen & (1u << PLX_DMA_ARG_MAX_TXFR)))
		ret = plx_dma_txfr_code(val[PLX_DMA_ARG_MAX_TXFR],
			&args->max_txfr_code);
	if (ret != 0)
		return ret;
	if (seen & (1u << PLX_DMA_ARG_PREF_LIMIT))
		args->pref_limit = val[PLX_DMA_ARG_PREF_LIMIT];
	if (seen & (1u << PLX_DMA_ARG_STOP_TIMEOUT))
		args->stop_timeout_ms = val[PLX_DMA_ARG_STOP_TIMEOUT];
	if (seen & (1u << PLX_DMA_ARG_GONE_CHECK))
		args->gone_check_us = val[PLX_DMA_ARG_GONE_CHECK];
	if (seen & (1u << PLX_DMA_ARG_SRC_FIRST))
		args->src_first = val[PLX_DMA_ARG_SRC_FIRST];
	return 0;
}
