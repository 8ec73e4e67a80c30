/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * torture_cleanup: rte_eal_cleanup() with started channels. Each cycle
 * needs a fresh process: the program re-executes itself with "--
 * --cleanup-child VARIANT --seed S" (rerun that command line by hand to
 * reproduce a failing cycle). The parent runs its children before
 * initialising EAL itself: every process makes its own simulated switch,
 * and the switches of two live processes would share the BAR0 files of
 * the simulated sysfs tree.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <rte_bus.h>
#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_log.h>

/* struct rte_bus: cleanup, for the bus-cleanup variant. */
#include <bus_driver.h>

#include "test_dma_plx_unplug.h"

#define CHILD_WAIT_US	(120 * 1000 * 1000)
#define CHILD_MAX_ARGS	256
#define CHILD_OK	"cleanup-child: ok"
#define CHILD_SKIP	"cleanup-child: skip: "

static const char *const cv_names[] = {
	[CV_EAL] = "eal",
	[CV_BUS] = "bus",
};

/* The child: traffic, then the cleanup; the caller runs rte_eal_cleanup. */
static int
child_run(enum cleanup_variant v, uint64_t seed)
{
	struct cycle c = { .kind = KIND_CLEANUP, .rs = seed };
	unsigned int i, launched;
	struct rte_bus *bus = rte_bus_find_by_name("pci");
	int ret, bret = 0;

	if (sim == NULL || nb_workers == 0)
		SKIP("needs dpdk-plx-sim and worker lcores");
	CHECK(bus != NULL && bus->cleanup != NULL);
	CHECK_OK(cycle_setup(&c, min_u(nb_funcs, MAX_CHANS),
		v == CV_BUS));
	for (i = 0; i < c.nch; i++) {
		if (v == CV_EAL)
			c.ws[i].role = ROLE_SURVIVOR;
		c.ws[i].abandon = plx_test_rnd_below(&c.rs, 2);
	}
	ret = workers_launch(c.ws, c.nch, &launched);
	if (ret == 0)
		ret = wait_trigger(&c.ws[0], plx_test_rnd_below(&c.rs, TR_MAX), &c.rs);
	if (ret == 0 && v == CV_BUS) {
		rte_atomic_store_explicit(&g_removing, 1, rte_memory_order_release);
		bret = bus->cleanup();
	}
	for (i = 0; i < c.nch; i++)
		rte_atomic_store_explicit(&c.ws[i].finish, 1, rte_memory_order_release);
	if (workers_join(c.ws, launched, ret) != 0)
		return -1;
	if (v == CV_EAL) {
		for (i = 0; i < c.nch; i++)
			if (!c.ws[i].abandon)
				CHECK_OK(plx_test_chan_stats_match(
					&c.ws[i].tc->ch, c.ws[i].tc->ch.id));
		return 0;
	}
	CHECK_EQ(bret, 0);
	for (i = 0; i < c.nch; i++) {
		CHECK_OK(held_check(c.ws[i].tc, c.ws[i].tc->ch.id, NULL, 0));
		CHECK_OK(dev_close_check(c.ws[i].tc->ch.id, FREES_HELD));
	}
	/* The channels nobody started were released by the cleanup. */
	CHECK_EQ(rte_dma_count_avail(), 0);
	return 0;
}

/* The started channels' removals, as logged by the PMD. */
static int
child_check_removals(void)
{
	char line[RTE_DEV_NAME_MAX_LEN + 32];
	unsigned int fn;

	for (fn = 0; fn < nb_funcs; fn++) {
		struct tchan *tc = &chans[fn];
		bool started = tc->ch.nb_desc != 0;

		snprintf(line, sizeof(line), "%s: removed while in use",
			tc->ch.addr);
		CHECK_MSG(plx_test_log_has(line) == started,
			"%s: the PMD's log %s \"%s\"", tc->ch.addr,
			started ? "lacks" : "has", line);
	}
	return 0;
}

int
child_main(enum cleanup_variant v, uint64_t seed)
{
	int ret, rc;

	plx_test_log_mark();
	ret = child_run(v, seed);
	plx_test_log_stop();
	if (ret > 0) {
		printf(CHILD_SKIP "%s\n", plx_test_msg);
		rte_eal_cleanup();
		plx_test_log_free();
		return 0;
	}
	chans_free();
	/* The PMD logs (into the capture) as the cleanup removes. */
	plx_test_log_resume();
	rc = rte_eal_cleanup();
	rte_openlog_stream(NULL);
	if (ret == 0 && rc != 0)
		plx_test_record(__FILE__, __LINE__, "rte_eal_cleanup: %d", rc);
	if (ret == 0 && v == CV_EAL && child_check_removals() != 0)
		ret = -1;
	plx_test_log_show();
	if (ret != 0 || plx_test_msg[0] != '\0')
		printf("FAIL cleanup-child: %s\n", plx_test_msg);
	else
		printf(CHILD_OK " (%s)\n", cv_names[v]);
	plx_test_log_free();
	return plx_test_msg[0] != '\0' ? 1 : 0;
}

/* The parent's side, before its own EAL initialisation. */
int eal_argc;
char **eal_argv;

static char *
child_output(int fd, pid_t pid, bool *timed_out)
{
	uint64_t end = plx_test_now_us() + CHILD_WAIT_US;
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	*timed_out = false;
	while (out != NULL) {
		if (len + 1024 > cap) {
			char *bigger = realloc(out, cap * 2);

			if (bigger == NULL)
				break;
			out = bigger;
			cap *= 2;
		}
		if (poll(&p, 1, 1000) == 0) {
			if (plx_test_now_us() < end)
				continue;
			*timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		n = read(fd, out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	if (out != NULL)
		out[len] = '\0';
	return out;
}

static bool
sanitizer_report(const char *out)
{
	return strstr(out, "ERROR: AddressSanitizer") != NULL ||
		strstr(out, "ERROR: LeakSanitizer") != NULL ||
		strstr(out, "runtime error:") != NULL ||
		strstr(out, "SUMMARY: ") != NULL;
}

static void
show_child(const char *out)
{
	const char *p, *nl;

	for (p = out; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			printf("# child: %s\n", p);
			break;
		}
		printf("# child: %.*s\n", (int)(nl - p), p);
	}
}

/* Run one child; 1 if it skipped. */
static int
run_child(enum cleanup_variant v, uint64_t seed, unsigned int cycle)
{
	char prefix[64], seed_s[32], variant_s[8];
	char *args[CHILD_MAX_ARGS];
	const char *why = NULL;
	bool timed_out, prefixed = false;
	int fds[2], status = 0, i, n = 0;
	char *out;
	pid_t pid;

	CHECK_MSG(eal_argc + 8 <= CHILD_MAX_ARGS, "too many EAL arguments");
	snprintf(prefix, sizeof(prefix), "unplugc%d_%u", (int)getpid(),
		cycle);
	snprintf(seed_s, sizeof(seed_s), "%" PRIu64, seed);
	snprintf(variant_s, sizeof(variant_s), "%u", v);
	for (i = 0; i < eal_argc; i++) {
		args[n++] = eal_argv[i];
		if (strcmp(eal_argv[i], "--file-prefix") == 0 &&
				i + 1 < eal_argc) {
			args[n++] = prefix;
			i++;
			prefixed = true;
		} else if (strncmp(eal_argv[i], "--file-prefix=", 14) == 0) {
			args[n - 1] = NULL;
			n--;
		}
	}
	if (!prefixed) {
		args[n++] = (char *)(uintptr_t)"--file-prefix";
		args[n++] = prefix;
	}
	args[n++] = (char *)(uintptr_t)"--";
	args[n++] = (char *)(uintptr_t)"--cleanup-child";
	args[n++] = variant_s;
	args[n++] = (char *)(uintptr_t)"--seed";
	args[n++] = seed_s;
	args[n] = NULL;

	CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		FAIL("fork: %s", strerror(errno));
	}
	out = child_output(fds[0], pid, &timed_out);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out == NULL)
		why = "no memory for its output";
	else if (timed_out)
		why = "timed out";
	else if (WIFSIGNALED(status))
		why = strsignal(WTERMSIG(status));
	else if (sanitizer_report(out))
		why = "sanitizer report";
	else if (strstr(out, CHILD_SKIP) != NULL && WEXITSTATUS(status) == 0)
		why = NULL;
	else if (WEXITSTATUS(status) != 0 || strstr(out, CHILD_OK) == NULL)
		why = "failed";
	if (why == NULL && strstr(out, CHILD_SKIP) != NULL) {
		plx_test_record(NULL, 0, "%s", strstr(out, CHILD_SKIP) +
			strlen(CHILD_SKIP));
		free(out);
		return 1;
	}
	if (why != NULL) {
		const char *fail = out != NULL ?
			strstr(out, "FAIL cleanup-child: ") : NULL;

		if (out != NULL)
			show_child(out);
		plx_test_record(__FILE__, __LINE__,
			"cleanup child %u (variant %s, exit %d): %s%s%.*s; rerun with -- --cleanup-child %u --seed %" PRIu64,
			cycle + 1, cv_names[v], WIFEXITED(status) ?
				WEXITSTATUS(status) : -1, why,
			fail != NULL ? ": " : "",
			fail != NULL ? (int)strcspn(fail + 20, "\n") : 0,
			fail != NULL ? fail + 20 : "", v, seed);
	}
	free(out);
	return why != NULL ? -1 : 0;
}

int
test_torture_cleanup(void)
{
	unsigned int cycle, cycles = g_cleanup_cycles != 0 ?
		g_cleanup_cycles : RTE_MAX(g_cycles / 20, 2u);
	uint64_t t0 = plx_test_now_us();
	int ret;

	for (cycle = 0; cycle < cycles; cycle++) {
		ret = run_child(cycle % CV_MAX, seed_of(KIND_CLEANUP, cycle),
			cycle);
		if (ret != 0)
			return ret;
	}
	printf("# torture_cleanup: %u child processes in %" PRIu64 " ms\n",
		cycles, (plx_test_now_us() - t0) / 1000);
	return 0;
}
