/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fuzzer's plumbing: its random numbers, failed checks, the captured
 * log and the trace.
 */

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_log.h>

#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"

/* --- randomness --- */

uint64_t
fz_rand(struct fz_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint32_t
fz_below(struct fz_rng *r, uint32_t n)
{
	return n == 0 ? 0 : fz_rand(r) % n;
}

bool
fz_pct(struct fz_rng *r, unsigned int pct)
{
	return fz_below(r, 100) < pct;
}

/* --- checks --- */

static const char *const check_names[FZ_C_MAX] = {
	[FZ_C_RC] = "rc",
	[FZ_C_FAST_RC] = "fast-rc",
	[FZ_C_ORDER] = "order",
	[FZ_C_STATUS] = "status",
	[FZ_C_EARLY] = "early-report",
	[FZ_C_LIVENESS] = "liveness",
	[FZ_C_HAS_ERROR] = "has-error",
	[FZ_C_DATA] = "data",
	[FZ_C_LATE_WRITE] = "late-write",
	[FZ_C_ENGINE] = "engine",
	[FZ_C_CAPACITY] = "capacity",
	[FZ_C_VCHAN_STATUS] = "vchan-status",
	[FZ_C_STATS] = "stats",
	[FZ_C_DEVICE] = "device",
	[FZ_C_LOG] = "log",
	[FZ_C_SETUP] = "setup",
};

static int failed_check = -1;

const char *
fz_check_name(enum fz_check c)
{
	return c < FZ_C_MAX ? check_names[c] : "?";
}

int
fz_fail(enum fz_check c, const char *fmt, ...)
{
	char buf[PLX_TEST_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (failed_check < 0)
		failed_check = c;
	plx_test_record(NULL, 0, "[%s] %s", check_names[c], buf);
	return -1;
}

int
fz_failed_check(void)
{
	return failed_check;
}

void
fz_fail_reset(void)
{
	failed_check = -1;
	plx_test_msg[0] = '\0';
}

uint64_t fz_counts[FZ_N_MAX];

/* --- log capture: count lines, keep the tail --- */

#define LOG_TAIL	(32 * 1024)

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_tail[LOG_TAIL];
static uint64_t log_bytes;
static RTE_ATOMIC(uint64_t) log_nl;
static FILE *log_f;

static ssize_t
log_write(void *cookie, const char *buf, size_t len)
{
	size_t i;

	RTE_SET_USED(cookie);
	pthread_mutex_lock(&log_lock);
	for (i = 0; i < len; i++) {
		log_tail[log_bytes++ % LOG_TAIL] = buf[i];
		if (buf[i] == '\n')
			rte_atomic_fetch_add_explicit(&log_nl, 1,
				rte_memory_order_relaxed);
	}
	pthread_mutex_unlock(&log_lock);
	return len;
}

int
fz_log_open(void)
{
	static const cookie_io_functions_t io = { .write = log_write };

	log_f = fopencookie(NULL, "w", io);
	if (log_f == NULL)
		return -1;
	setvbuf(log_f, NULL, _IOLBF, 0);
	return rte_openlog_stream(log_f);
}

void
fz_log_close(void)
{
	rte_openlog_stream(NULL);
	if (log_f != NULL)
		fclose(log_f);
	log_f = NULL;
}

uint64_t
fz_log_lines(void)
{
	if (log_f != NULL)
		fflush(log_f);
	return rte_atomic_load_explicit(&log_nl, rte_memory_order_relaxed);
}

void
fz_log_show(unsigned int max_lines)
{
	uint64_t end, start, i;
	unsigned int nl = 0;
	bool bol = true;

	fz_log_lines();
	pthread_mutex_lock(&log_lock);
	end = log_bytes;
	start = end > LOG_TAIL ? end - LOG_TAIL : 0;
	/* Back from the end to the start of the last max_lines lines. */
	for (i = end; i > start; i--)
		if (log_tail[(i - 1) % LOG_TAIL] == '\n' && i != end &&
				++nl == max_lines)
			break;
	for (; i < end; i++) {
		char c = log_tail[i % LOG_TAIL];

		if (bol)
			fputs("# log: ", stdout);
		putchar(c);
		bol = c == '\n';
	}
	pthread_mutex_unlock(&log_lock);
	if (!bol)
		putchar('\n');
}

/* --- trace --- */

bool fz_tracing;
static char trace_prefix[64];

void
fz_trace_step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(trace_prefix, sizeof(trace_prefix), fmt, ap);
	va_end(ap);
}

void
fz_trace(const char *fmt, ...)
{
	va_list ap;

	if (!fz_tracing)
		return;
	printf("#   %s", trace_prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}
