/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_SIM_HOST_PRIV_H
#define PLX_SIM_HOST_PRIV_H

/*
 * Private interface between the launcher (plx_sim_main.c), the host
 * presentation (plx_sim_host.c, plx_sim_sysfs.c) and the emulated kernel
 * interfaces (plx_sim_libc.c, plx_sim_vfio.c, plx_sim_vfio_pci.c). Not
 * for tests: they use plx_sim_host.h.
 *
 * The launcher passes its configuration to the launched process through
 * the environment, so that it survives exec and reaches every process the
 * command starts:
 *   PLX_SIM_ROOT         the private tree (fake sysfs, /dev entries)
 *   PLX_SIM_FUNCS        number of functions
 *   PLX_SIM_KDRV         vfio-pci | uio_pci_generic
 *   PLX_SIM_BANDWIDTH    bytes/s per function, 0 = unpaced
 *   PLX_SIM_LATENCY_NS   added per descriptor
 *   PLX_SIM_CPU          CPU of the engine thread, -1 = not pinned
 *   PLX_SIM_NULL_COPY    1: write back without moving data
 *   PLX_SIM_BURST_PREFETCH 1: burst prefetch (plx_sim_conf.burst_prefetch)
 *   PLX_SIM_PREFETCH_HINTS 1: cache hints (plx_sim_conf.prefetch_hints)
 *   PLX_SIM_CHAOS        seed of the timing chaos; unset or empty: none
 *   PLX_SIM_CHUNKED      1: non-atomic transfers (plx_sim_conf.chunked)
 *   PLX_SIM_LATE_WB_US   plx_sim_conf.late_writeback_us
 *   PLX_SIM_FAULTS       FN:KIND[:AFTER],... armed when the switch is made
 *   PLX_SIM_VARIANTS     NAME,... mutant-model variants (plx_sim.h)
 *   PLX_SIM_VERBOSE      0 quiet, 1 events, 2 every emulated call
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "plx_sim_atomic.h"
#include "plx_sim_host.h"

#define PLX_SIM_ENV_ROOT	"PLX_SIM_ROOT"
#define PLX_SIM_ENV_FUNCS	"PLX_SIM_FUNCS"
#define PLX_SIM_ENV_KDRV	"PLX_SIM_KDRV"
#define PLX_SIM_ENV_BANDWIDTH	"PLX_SIM_BANDWIDTH"
#define PLX_SIM_ENV_LATENCY	"PLX_SIM_LATENCY_NS"
#define PLX_SIM_ENV_CPU		"PLX_SIM_CPU"
#define PLX_SIM_ENV_NULL_COPY	"PLX_SIM_NULL_COPY"
#define PLX_SIM_ENV_BURST	"PLX_SIM_BURST_PREFETCH"
#define PLX_SIM_ENV_HINTS	"PLX_SIM_PREFETCH_HINTS"
#define PLX_SIM_ENV_CHAOS	"PLX_SIM_CHAOS"
#define PLX_SIM_ENV_CHUNKED	"PLX_SIM_CHUNKED"
#define PLX_SIM_ENV_LATE_WB	"PLX_SIM_LATE_WB_US"
#define PLX_SIM_ENV_FAULTS	"PLX_SIM_FAULTS"
#define PLX_SIM_ENV_VARIANTS	"PLX_SIM_VARIANTS"
#define PLX_SIM_ENV_VERBOSE	"PLX_SIM_VERBOSE"

/* Where things sit inside the tree. */
#define PLX_SIM_TREE_PCI_DEVICES	"/sys/bus/pci/devices"
#define PLX_SIM_TREE_RUNTIME		"/run"

/* A function's config space: its file in the tree, its vfio region. */
#define SIM_CONFIG_LEN		4096

/* What one file of the library calls in another, not exported. */
#define PLX_SIM_INTERNAL	__attribute__((visibility("hidden")))

/* The kernel module a function is bound to. */
enum plx_sim_kdrv {
	PLX_SIM_KDRV_VFIO = 0,
	PLX_SIM_KDRV_UIO,
};

#define PLX_SIM_MAX_FAULTS	32

struct plx_sim_fault_spec {
	unsigned int fn;
	enum plx_sim_fault kind;
	uint64_t after;
};

/* Everything the launcher decides about the switch of one run. */
struct plx_sim_host_opts {
	unsigned int nb_funcs;
	enum plx_sim_kdrv kdrv;
	uint64_t bandwidth;
	uint32_t latency_ns;
	int cpu;
	bool null_copy;
	bool burst_prefetch;
	bool prefetch_hints;
	bool chaos;
	uint64_t chaos_seed;
	bool chunked;
	uint32_t late_wb_us;
	int verbose;
	uint32_t variants;	/* PLX_SIM_VARIANT() bits */
	unsigned int nb_faults;
	struct plx_sim_fault_spec faults[PLX_SIM_MAX_FAULTS];
};

void plx_sim_host_opts_default(struct plx_sim_host_opts *opts);
/* Reads the PLX_SIM_* variables; -1 (with a message) if one is bad. */
int plx_sim_host_opts_from_env(struct plx_sim_host_opts *opts);
/* Sets the PLX_SIM_* variables, PLX_SIM_ROOT included. */
int plx_sim_host_opts_to_env(const struct plx_sim_host_opts *opts,
		const char *root);
/* "NAME[,NAME...]" of variants, added to *variants; -1 if unknown. */
int plx_sim_host_variants_parse(const char *s, uint32_t *variants);
/* "FN:KIND[:AFTER]"; -1 if malformed. */
int plx_sim_host_fault_parse(const char *s, struct plx_sim_fault_spec *f);
const char *plx_sim_kdrv_name(enum plx_sim_kdrv kdrv);
int plx_sim_kdrv_parse(const char *s, enum plx_sim_kdrv *kdrv);

/* Builds the fake sysfs and /dev entries of opts under root. */
int plx_sim_tree_build(const char *root, const struct plx_sim_host_opts *opts);

/* Identities of function fn on the simulated host. */
unsigned int plx_sim_func_group(unsigned int fn);	/* IOMMU group */
unsigned int plx_sim_func_uio(unsigned int fn);		/* uioN */
int plx_sim_func_of_group(unsigned int group);
int plx_sim_func_of_uio(unsigned int uio);

/*
 * Per-process view of the run, from the environment (cached). NULL root
 * means this process was not started under dpdk-plx-sim.
 */
const char *plx_sim_host_root(void);
const struct plx_sim_host_opts *plx_sim_host_opts(void);
/* PCI device directory of fn inside the tree, in buf. */
int plx_sim_host_dev_path(unsigned int fn, const char *file, char *buf,
		size_t len);

/* The function whose BAR0 file fd is (the uio route's resource0), or -1. */
PLX_SIM_INTERNAL int plx_sim_host_bar_fn(int fd);

/* Diagnostics on stderr, shown when level <= PLX_SIM_VERBOSE. */
void plx_sim_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* PLX_SIM_HOST_PRIV_H */
