/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * What the dma_plx test programs share: recording a failure (the CHECK
 * macros), running a table of tests with "PASS name", "FAIL name: reason
 * (file:line)" or "SKIP name: reason" per test and "N passed, N failed[,
 * N skipped]" at the end, waiting without progress for a bounded time,
 * and the dmadev and PCI steps every test repeats.
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

struct plx_sim;

#define PLX_TEST_MSG_LEN	768
#define GUARD			0xa5	/* where no copy may write */

/* --- results --- */

/* The first failure of the current test (or worker lcore). */
extern __thread char plx_test_msg[PLX_TEST_MSG_LEN];

/* Keep a failure, unless one is kept already; file NULL: no "(file:line)". */
void plx_test_record(const char *file, int line, const char *fmt, ...)
	__rte_format_printf(3, 4);
/* Put context in front of the failure already recorded. */
void plx_test_msg_prefix(const char *fmt, ...) __rte_format_printf(1, 2);
/* Record "a is av, expected b[ = bv]". */
void plx_test_record_eq(const char *file, int line, const char *a,
	long long av, const char *b, long long bv);
const char *plx_test_status_name(enum rte_dma_status_code st);

#define FAIL(...) do { \
	plx_test_record(__FILE__, __LINE__, __VA_ARGS__); \
	return -1; \
} while (0)
#define SKIP(...) do { \
	plx_test_record(NULL, 0, __VA_ARGS__); \
	return 1; \
} while (0)
#define CHECK_MSG(cond, ...) do { \
	if (!(cond)) \
		FAIL(__VA_ARGS__); \
} while (0)
#define CHECK(cond) CHECK_MSG(cond, "%s", #cond)
#define CHECK_EQ(a, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { \
		plx_test_record_eq(__FILE__, __LINE__, #a, a_, #b, b_); \
		return -1; \
	} \
} while (0)
/* For helpers returning 0 or -1 (the helper has recorded why). */
#define CHECK_OK(expr) do { \
	if ((expr) != 0) \
		FAIL("%s failed", #expr); \
} while (0)
#define CHECK_STATUS(a, b) do { \
	enum rte_dma_status_code a_ = (a), b_ = (b); \
	if (a_ != b_) \
		FAIL("%s is %s, expected %s", #a, plx_test_status_name(a_), \
			plx_test_status_name(b_)); \
} while (0)
#define NEED_SIM(sim) do { \
	if ((sim) == NULL) \
		SKIP("not running under dpdk-plx-sim"); \
} while (0)

/*
 * The result of a test or worker that returned ret: -1 also when it
 * recorded a failure yet returned 0. The message (or "?" for a failure
 * without one) goes to msg if not NULL.
 */
int plx_test_result(int ret, char *msg, size_t len);

/* --- the runner --- */

struct plx_test {
	const char *name;
	int (*fn)(void);
};

struct plx_test_run {
	const char *filter;	/* only tests whose name contains it */
	bool list;		/* --list: print the names instead */
	bool times;		/* --times: how long each test took */
	unsigned int passed;
	unsigned int failed;
	unsigned int skipped;
};

/*
 * If argv[*i] is --filter NAME, --list or --times, take it (and NAME,
 * *i moves on) and return true.
 */
bool plx_test_option(struct plx_test_run *r, int argc, char **argv, int *i);
void plx_test_list(const struct plx_test *tests, unsigned int n);
bool plx_test_selected(const struct plx_test_run *r, const struct plx_test *t);
/* Run a selected test, report and count it; its result. */
int plx_test_run(struct plx_test_run *r, const struct plx_test *t);
/* Report and count the result ret of name, with reason msg. */
void plx_test_report(struct plx_test_run *r, const char *name, int ret,
	const char *msg);
/* "N passed, N failed[, N skipped]". */
void plx_test_summary(const struct plx_test_run *r);

/* --- waiting --- */

uint64_t plx_test_now_us(void);
/* Between polls: leave the CPU to the engine now and then (2 cores). */
void plx_test_idle(unsigned int *spins);

/* A wait that gives up us microseconds after the last progress. */
struct plx_wait {
	uint64_t us;
	uint64_t end;
	unsigned int spins;
};

struct plx_wait plx_wait_begin(uint64_t us);
/*
 * After a poll that found progress new things: false once the time has
 * passed without any, else idle a moment before the next poll.
 */
bool plx_waiting(struct plx_wait *w, unsigned int progress);
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

#endif /* TEST_PLX_COMMON_H */
