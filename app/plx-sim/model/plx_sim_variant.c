/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Mutant models: the names of the variants and what BAR0 they give. The
 * engine tests a variant where its clause is applied (plx_sim_engine.c,
 * through variant_on()).
 */

#include <errno.h>
#include <string.h>

#include "plx_sim_priv.h"

static const char * const variant_names[PLX_SIM_VAR_MAX] = {
	[PLX_SIM_VAR_SRC_BEFORE_DST] = "src-before-dst",
	[PLX_SIM_VAR_STOP_ON_ERROR] = "stop-on-error",
	[PLX_SIM_VAR_SIZE0_SUCCESS] = "size0-success",
	[PLX_SIM_VAR_NO_START_LATCH] = "no-start-latch",
	[PLX_SIM_VAR_IMM_PAUSE_DONE_SET] = "imm-pause-done-set",
	[PLX_SIM_VAR_RESIDUE_AS_REMAINING] = "residue-as-remaining",
	[PLX_SIM_VAR_BAR0_8K] = "bar0-8k",
	[PLX_SIM_VAR_NO_LAST_REGS] = "no-last-regs",
	[PLX_SIM_VAR_TXFR_64_ONLY] = "txfr-64-only",
};

const char *
plx_sim_variant_name(enum plx_sim_variant v)
{
	if ((unsigned int)v >= PLX_SIM_VAR_MAX)
		return "unknown";
	return variant_names[v];
}

int
plx_sim_variant_parse(const char *name, enum plx_sim_variant *v)
{
	unsigned int i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < PLX_SIM_VAR_MAX; i++) {
		if (strcmp(name, variant_names[i]) == 0) {
			if (v != NULL)
				*v = (enum plx_sim_variant)i;
			return 0;
		}
	}
	return -EINVAL;
}

uint32_t
plx_sim_bar0_len(uint32_t variants)
{
	if (variants & PLX_SIM_VARIANT(PLX_SIM_VAR_BAR0_8K))
		return 2 * PLX_BAR0_SIM_LEN;
	return PLX_BAR0_SIM_LEN;
}
