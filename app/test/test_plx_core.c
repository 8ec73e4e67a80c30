/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* The test programs' core, without DPDK: see test_plx_core.h. */

#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "test_plx_core.h"

/* --- results --- */

__thread char plx_test_msg[PLX_TEST_MSG_LEN];

static void
record_va(const char *file, int line, const char *fmt, va_list ap)
{
	const char *base = file != NULL ? strrchr(file, '/') : NULL;
	int n;

	if (plx_test_msg[0] != '\0')
		return;
	n = vsnprintf(plx_test_msg, sizeof(plx_test_msg), fmt, ap);
	if (file == NULL || n < 0 || (size_t)n >= sizeof(plx_test_msg))
		return;
	snprintf(plx_test_msg + n, sizeof(plx_test_msg) - n, " (%s:%d)",
		base != NULL ? base + 1 : file, line);
}

void
plx_test_record(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_va(file, line, fmt, ap);
	va_end(ap);
}

void
plx_test_msg_prefix(const char *fmt, ...)
{
	char prefix[PLX_TEST_MSG_LEN / 2], old[PLX_TEST_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, plx_test_msg, sizeof(old));
	if (snprintf(plx_test_msg, sizeof(plx_test_msg), "%s: %s", prefix,
			old) < 0)
		memcpy(plx_test_msg, old, sizeof(old));
}

/* A value as the failure shows it: registers and addresses in hex too. */
static void
eq_value(char *buf, size_t len, long long v)
{
	if (v >= -1024 && v <= 1024)
		snprintf(buf, len, "%lld", v);
	else
		snprintf(buf, len, "%lld (%#llx)", v, (unsigned long long)v);
}

void
plx_test_record_eq(const char *file, int line, const char *a, long long av,
		const char *b, long long bv)
{
	char num[24], as[48], bs[48];

	eq_value(as, sizeof(as), av);
	eq_value(bs, sizeof(bs), bv);
	/* "x is 3, expected 4", or "x is 3, expected n + 1 = 4". */
	snprintf(num, sizeof(num), "%lld", bv);
	if (strcmp(num, b) == 0)
		plx_test_record(file, line, "%s is %s, expected %s", a, as, bs);
	else
		plx_test_record(file, line, "%s is %s, expected %s = %s", a,
			as, b, bs);
}

int
plx_test_result(int ret, char *msg, size_t len)
{
	if (ret == 0 && plx_test_msg[0] != '\0')
		ret = -1;
	if (msg != NULL)
		snprintf(msg, len, "%s", ret < 0 && plx_test_msg[0] == '\0' ?
			"?" : plx_test_msg);
	return ret;
}

/* --- the runner --- */

bool
plx_test_option(struct plx_test_run *r, int argc, char **argv, int *i)
{
	const char *opt = argv[*i];

	if (strcmp(opt, "--filter") == 0 && *i + 1 < argc) {
		r->filter = argv[++*i];
		return true;
	}
	if (strcmp(opt, "--exclude") == 0 && *i + 1 < argc) {
		r->exclude = argv[++*i];
		return true;
	}
	if (strcmp(opt, "--list") == 0) {
		r->list = true;
		return true;
	}
	if (strcmp(opt, "--times") == 0) {
		r->times = true;
		return true;
	}
	return false;
}

void
plx_test_list(const struct plx_test *tests, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		printf("%s\n", tests[i].name);
}

bool
plx_test_name_selected(const struct plx_test_run *r, const char *name)
{
	return (r->filter == NULL || strstr(name, r->filter) != NULL) &&
		(r->exclude == NULL || strstr(name, r->exclude) == NULL);
}

bool
plx_test_selected(const struct plx_test_run *r, const struct plx_test *t)
{
	return plx_test_name_selected(r, t->name);
}

void
plx_test_report(struct plx_test_run *r, const char *name, int ret,
		const char *msg)
{
	if (ret == 0) {
		printf("PASS %s\n", name);
		r->passed++;
	} else if (ret > 0) {
		printf("SKIP %s: %s\n", name, msg);
		r->skipped++;
	} else {
		printf("FAIL %s: %s\n", name, msg[0] != '\0' ? msg : "?");
		r->failed++;
	}
	fflush(stdout);
}

int
plx_test_run_arg(struct plx_test_run *r, const char *name,
		int (*fn)(const void *arg), const void *arg)
{
	uint64_t t0 = plx_test_now_us();
	int ret;

	if (r->before != NULL)
		r->before();
	plx_test_msg[0] = '\0';
	ret = plx_test_result(fn(arg), NULL, 0);
	if (r->times)
		printf("# %s: %" PRIu64 " ms\n", name,
			(plx_test_now_us() - t0) / 1000);
	plx_test_report(r, name, ret, plx_test_msg);
	if (r->after != NULL)
		r->after(ret);
	return ret;
}

static int
call_void(const void *arg)
{
	const struct plx_test *t = arg;

	return t->fn();
}

int
plx_test_run(struct plx_test_run *r, const struct plx_test *t)
{
	return plx_test_run_arg(r, t->name, call_void, t);
}

void
plx_test_run_tables(struct plx_test_run *r,
		const struct plx_test *const *tables, unsigned int n)
{
	const struct plx_test *t;
	unsigned int i;

	for (i = 0; i < n; i++) {
		for (t = tables[i]; t->name != NULL; t++) {
			if (r->list)
				printf("%s\n", t->name);
			else if (plx_test_selected(r, t))
				plx_test_run(r, t);
		}
	}
}

void
plx_test_summary(const struct plx_test_run *r)
{
	if (r->skipped > 0)
		printf("%u passed, %u failed, %u skipped\n", r->passed,
			r->failed, r->skipped);
	else
		printf("%u passed, %u failed\n", r->passed, r->failed);
	fflush(stdout);
}

/* --- randomness --- */

uint64_t
plx_test_rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint32_t
plx_test_rnd_below(uint64_t *s, uint32_t n)
{
	return n == 0 ? 0 : plx_test_rnd(s) % n;
}

/* --- waiting --- */

uint64_t
plx_test_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

void
plx_test_idle(unsigned int *spins)
{
	if (++*spins % 16 == 0)
		sched_yield();
	else
		cpu_relax();
}

struct plx_wait
plx_wait_begin(uint64_t us)
{
	return (struct plx_wait){ .us = us, .end = plx_test_now_us() + us };
}

bool
plx_waiting(struct plx_wait *w, unsigned int progress)
{
	if (progress > 0) {
		w->end = plx_test_now_us() + w->us;
		return true;
	}
	if (plx_test_now_us() > w->end)
		return false;
	plx_test_idle(&w->spins);
	return true;
}
