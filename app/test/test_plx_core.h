/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The core every plx-dma test program shares, with no DPDK in it (the
 * model tests run without DPDK): recording a failure (the CHECK macros),
 * running a table of tests with "PASS name", "FAIL name: reason
 * (file:line)" or "SKIP name: reason" per test and "N passed, N failed[,
 * N skipped]" at the end, and waiting without progress for a bounded time.
 *
 * A test, a helper or a worker thread returns 0 (passed), -1 (failed, the
 * reason recorded with FAIL or a CHECK) or 1 (skipped, SKIP).
 */

#ifndef TEST_PLX_CORE_H
#define TEST_PLX_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLX_TEST_MSG_LEN	768
#define PLX_TEST_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define PLX_TEST_DIM(a)		(sizeof(a) / sizeof((a)[0]))

/* --- results --- */

/* The first failure of the current test (or worker thread). */
extern __thread char plx_test_msg[PLX_TEST_MSG_LEN];

/* Keep a failure, unless one is kept already; file NULL: no "(file:line)". */
void plx_test_record(const char *file, int line, const char *fmt, ...)
	PLX_TEST_PRINTF(3, 4);
/* Put context in front of the failure already recorded. */
void plx_test_msg_prefix(const char *fmt, ...) PLX_TEST_PRINTF(1, 2);
/* Record "a is av, expected b[ = bv]". */
void plx_test_record_eq(const char *file, int line, const char *a,
	long long av, const char *b, long long bv);

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

/* Ends a table of tests that plx_test_run_tables() runs. */
#define PLX_TEST_END	{ NULL, NULL }

struct plx_test_run {
	const char *filter;	/* only tests whose name contains it */
	bool list;		/* --list: print the names instead */
	bool times;		/* --times: how long each test took */
	unsigned int passed;
	unsigned int failed;
	unsigned int skipped;
	const char *exclude;	/* none whose name contains it */
	/* Around each test the runner runs, if set. */
	void (*before)(void);
	void (*after)(int ret);
};

/*
 * If argv[*i] is --filter NAME, --exclude NAME, --list or --times, take
 * it (and NAME, *i moves on) and return true.
 */
bool plx_test_option(struct plx_test_run *r, int argc, char **argv, int *i);
void plx_test_list(const struct plx_test *tests, unsigned int n);
bool plx_test_selected(const struct plx_test_run *r, const struct plx_test *t);
bool plx_test_name_selected(const struct plx_test_run *r, const char *name);
/* Run a selected test, report and count it; its result. */
int plx_test_run(struct plx_test_run *r, const struct plx_test *t);
/* The same for a test that takes an argument: fn(arg) is test name. */
int plx_test_run_arg(struct plx_test_run *r, const char *name,
	int (*fn)(const void *arg), const void *arg);
/*
 * Every test of the n tables (each up to PLX_TEST_END), in order: print
 * its name with --list, else run it if selected.
 */
void plx_test_run_tables(struct plx_test_run *r,
	const struct plx_test *const *tables, unsigned int n);
/* Report and count the result ret of name, with reason msg. */
void plx_test_report(struct plx_test_run *r, const char *name, int ret,
	const char *msg);
/* "N passed, N failed[, N skipped]". */
void plx_test_summary(const struct plx_test_run *r);

/* --- randomness: splitmix64, reproducible from a seed --- */

uint64_t plx_test_rnd(uint64_t *s);
/* Below n (0 if n is 0). */
uint32_t plx_test_rnd_below(uint64_t *s, uint32_t n);

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

/* Poll until cond holds; fail once us microseconds have passed. */
#define PLX_WAIT_FOR(cond, us) do { \
	struct plx_wait w_ = plx_wait_begin(us); \
	while (!(cond)) \
		CHECK_MSG(plx_waiting(&w_, 0), "timeout waiting for %s", \
			#cond); \
} while (0)

#endif /* TEST_PLX_CORE_H */
