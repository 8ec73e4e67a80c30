/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * What the dma_plx test programs share: the core (test_plx_core.h:
 * results, CHECK macros, runner, waiting; no DPDK), the dmadev and PCI
 * steps every test repeats, and one channel helper (test_plx_chan.h).
 *
 * A test, a helper or a worker lcore returns 0 (passed), -1 (failed, the
 * reason recorded with FAIL or a CHECK) or 1 (skipped, SKIP).
 */

#ifndef TEST_PLX_COMMON_H
#define TEST_PLX_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>

/* The simulator, host side included (plx_sim_self(), function names). */
#include "plx_sim_host.h"
/* rte_atomic_*_explicit and logging on every DPDK release. */
#include "plx_dma_compat.h"
#include "test_plx_core.h"

#define GUARD			0xa5	/* where no copy may write */

/* --- results --- */

const char *plx_test_status_name(enum rte_dma_status_code st);

#define CHECK_STATUS(a, b) do { \
	enum rte_dma_status_code a_ = (a), b_ = (b); \
	if (a_ != b_) \
		FAIL("%s is %s, expected %s", #a, plx_test_status_name(a_), \
			plx_test_status_name(b_)); \
} while (0)

/* --- waiting --- */

/* Until the engine of sim's function fn has done target descriptors. */
int plx_test_wait_descs(struct plx_sim *sim, unsigned int fn,
	uint64_t target, uint64_t us);

/* --- dmadevs --- */

int plx_test_dev_id(const char *name, int16_t *id);
/* One mem-to-mem vchan of nb_desc descriptors; stats reset. */
int plx_test_configure(int16_t id, uint16_t nb_desc);
/* Configure and start: *ring is the ring nb_desc rounds up to. */
int plx_test_start(int16_t id, uint16_t nb_desc, uint16_t *ring);
int plx_test_vchan_is(int16_t id, enum rte_dma_vchan_status exp);
int plx_test_stats_are(int16_t id, uint64_t submitted, uint64_t completed,
	uint64_t errors);
/*
 * Runs last in a program: no descriptor was rewritten while a simulated
 * engine owned it (plx_sim_ownership_errors() 0 on every function).
 */
extern const struct plx_test plx_test_ownership[];

/* rte_dma_dump() works and mentions a and b. */
int plx_test_dump_has(int16_t id, const char *a, const char *b);

/* --- PCI devices (addr: "0000:03:00.1") --- */

struct rte_device *plx_test_pci_find(const char *addr);
/* The application removes a PCI device, by device or by name. */
int plx_test_pci_remove(const char *addr, bool by_name);
/* "addr[,args]" into buf: what rte_dev_probe() takes. */
const char *plx_test_devstr(char *buf, size_t len, const char *addr,
	const char *args);
/* rte_dev_probe() of addr with devargs args (or none). */
int plx_test_pci_probe(const char *addr, const char *args);
/*
 * A function back to a known state: its device removed if probed,
 * power-cycled in the simulator, faults off, probed with args.
 */
int plx_test_pci_restore(struct plx_sim *sim, const char *addr,
	const char *args);

/* --- the rte_malloc heap: nothing leaks across a test's cycles --- */

struct plx_test_heap {
	uint64_t bytes;
	uint64_t count;
};

void plx_test_heap_get(struct plx_test_heap *h);
/* now is base, else a failure recorded naming what. */
int plx_test_heap_same(const struct plx_test_heap *base,
	const struct plx_test_heap *now, const char *what);
/* Stop and close every removed channel still held ("-removedN"). */
void plx_test_close_held(void);

/* --- the captured log: DPDK's log, kept to search and to show --- */

void plx_test_log_start(void);
/* Only what is logged from now on counts for _has() and _show(). */
void plx_test_log_mark(void);
/* The log since the mark has s (true when nothing is captured). */
bool plx_test_log_has(const char *s);
/* How many times s appears in the log since the mark. */
unsigned int plx_test_log_count(const char *s);
/* Print the log since the mark (at most its last 16 KiB), "# log: ". */
void plx_test_log_show(void);
void plx_test_log_stop(void);
/* Capture again after plx_test_log_stop(), into the same log. */
void plx_test_log_resume(void);
void plx_test_log_free(void);

#include "test_plx_chan.h"

#endif /* TEST_PLX_COMMON_H */
