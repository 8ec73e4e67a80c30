/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dpdk-plx-sim: run an unmodified program on a simulated PEX 87xx switch.
 *
 * Builds a private fake sysfs tree, preloads libplx_sim_host into the
 * command so that DPDK's PCI bus finds and maps the simulated DMA functions
 * through (emulated) vfio-pci or uio, runs the command, removes the tree
 * and exits with the command's status.
 */

#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plx_parse.h"
#include "plx_sim_host_priv.h"

#define EXIT_USAGE	2
#define LIB_NAME	"libplx_sim_host.so"

static const char *prog = "dpdk-plx-sim";
static volatile sig_atomic_t child_pid;

/* Every variant's name, three a line, as the help text indents them. */
static const char *
variant_list(void)
{
	static char buf[512];
	size_t n = 0;
	unsigned int v;

	for (v = 0; v < PLX_SIM_VAR_MAX && n < sizeof(buf); v++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s",
			v == 0 ? "" : v % 3 ? " " : "\n                         ",
			plx_sim_variant_name(v));
	return buf;
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: %s [options] -- COMMAND [ARGS...]\n"
"Run COMMAND (a DPDK program) on a simulated PLX PEX 87xx switch whose DMA\n"
"functions 0000:03:00.1 .. 0000:03:00.N appear bound to vfio-pci or uio.\n"
"\n"
"  -n, --funcs N          DMA functions (channels), 1..%u (default 4)\n"
"  -k, --kdrv DRV         vfio-pci (default) or uio_pci_generic\n"
"      --bandwidth RATE   bytes/s per function, suffix K M G T (x1000)\n"
"                         or Ki Mi Gi Ti (x1024); 0 = unpaced (default)\n"
"      --latency-ns NS    added to every descriptor (default 0)\n"
"      --cpu N            pin the engine thread to CPU N\n"
"      --null-copy        complete descriptors without moving data\n"
"      --chaos SEED       seeded timing chaos within the contract (random\n"
"                         latencies, held snapshots, deferred CTRL polls,\n"
"                         batch sizes, pauses); SEED a number, or 'date'\n"
"                         for today's YYYYMMDD (UTC); the seed is printed\n"
"      --chunked          non-atomic transfers: chunks of the CTRL2 size,\n"
"                         the IOMMU per chunk, aborts and removals served\n"
"                         mid-descriptor (partial data, no write-back)\n"
"      --late-writeback US\n"
"                         a surprise-removal fault with AFTER lets the\n"
"                         write-back before it land US microseconds late\n"
"      --burst-prefetch   fetch descriptors four at a time whatever their\n"
"                         VALID bit; a START latched while running\n"
"                         re-reads one descriptor only\n"
"      --prefetch-hints   prefetch the lines of the descriptors fetched\n"
"                         ahead into the CPU's caches (nothing observable)\n"
"      --fault FN:KIND[:AFTER]\n"
"                         arm a fault on function FN (0-based: function\n"
"                         FN is 0000:03:00.FN+1) after AFTER descriptors;\n"
"                         KIND: read-fail write-fail stall pause-stuck\n"
"                         abort-stuck surprise-removal unbind-request\n"
"                         reset-stuck lost-start wb-no-status wb-both-fail\n"
"                         wb-short all-ones-glitch halt-on-fail\n"
"                         (AFTER > 0 for unbind-request; repeatable)\n"
"      --variant NAME     a mutant model that departs from the contract\n"
"                         in one assumed clause (repeatable):\n"
"                         %s\n"
"  -v, --verbose          more messages from the simulator (repeatable)\n"
"      --keep             keep the temporary tree and print its path\n"
"  -h, --help             this text\n"
"\n"
"Environment: TMPDIR (where the tree goes), PLX_SIM_LIB (the library to\n"
"preload instead of the %s next to this program).\n",
		prog, PLX_SIM_MAX_FUNCS, variant_list(), LIB_NAME);
}

static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(EXIT_USAGE);
}

static uint64_t
parse_uint(const char *s, const char *what, uint64_t max)
{
	uint64_t v;

	if (plx_parse_u64(s, 0, 0, max, &v) != 0)
		usage_error("bad %s '%s'", what, s);
	return v;
}

static uint64_t
parse_rate(const char *s)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "", 1 }, { "K", 1e3 }, { "M", 1e6 }, { "G", 1e9 },
		{ "T", 1e12 }, { "Ki", 1024.0 }, { "Mi", 1048576.0 },
		{ "Gi", 1073741824.0 }, { "Ti", 1099511627776.0 },
	};
	char *end;
	double v;
	unsigned int i;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
		usage_error("bad bandwidth '%s'", s);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			v *= units[i].mult;
			if (v >= 18446744073709551615.0)
				break;
			return (uint64_t)v;
		}
	}
	usage_error("bad bandwidth '%s'", s);
}

/* A chaos seed: a number, or "date", today's YYYYMMDD in UTC. */
static uint64_t
parse_seed(const char *s)
{
	struct tm tm;
	time_t now;

	if (strcmp(s, "date") != 0)
		return parse_uint(s, "chaos seed", UINT64_MAX);
	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL)
		usage_error("cannot read the date for the chaos seed");
	return (uint64_t)(tm.tm_year + 1900) * 10000 +
		(uint64_t)(tm.tm_mon + 1) * 100 + (uint64_t)tm.tm_mday;
}

enum {
	OPT_BANDWIDTH = 256,
	OPT_LATENCY,
	OPT_CPU,
	OPT_NULL_COPY,
	OPT_BURST,
	OPT_HINTS,
	OPT_CHAOS,
	OPT_CHUNKED,
	OPT_LATE_WB,
	OPT_FAULT,
	OPT_VARIANT,
	OPT_KEEP,
};

static const struct option long_opts[] = {
	{ "funcs", required_argument, NULL, 'n' },
	{ "kdrv", required_argument, NULL, 'k' },
	{ "bandwidth", required_argument, NULL, OPT_BANDWIDTH },
	{ "latency-ns", required_argument, NULL, OPT_LATENCY },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "null-copy", no_argument, NULL, OPT_NULL_COPY },
	{ "burst-prefetch", no_argument, NULL, OPT_BURST },
	{ "prefetch-hints", no_argument, NULL, OPT_HINTS },
	{ "chaos", required_argument, NULL, OPT_CHAOS },
	{ "chunked", no_argument, NULL, OPT_CHUNKED },
	{ "late-writeback", required_argument, NULL, OPT_LATE_WB },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "variant", required_argument, NULL, OPT_VARIANT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
add_fault(struct plx_sim_host_opts *o, const char *arg)
{
	struct plx_sim_fault_spec f;

	if (o->nb_faults == PLX_SIM_MAX_FAULTS)
		usage_error("too many faults (at most %d)", PLX_SIM_MAX_FAULTS);
	if (plx_sim_host_fault_parse(arg, &f) < 0)
		usage_error("bad fault '%s' (FN:KIND[:AFTER])", arg);
	/* DPDK arms the request notifier when it probes, not before. */
	if (f.kind == PLX_SIM_FAULT_UNBIND_REQUEST && f.after == 0)
		usage_error("fault '%s': an unbind request needs a probed "
			"device: give AFTER > 0 descriptors", arg);
	o->faults[o->nb_faults++] = f;
}

/* Returns the index of COMMAND in argv. */
static int
parse_args(int argc, char **argv, struct plx_sim_host_opts *o, bool *keep)
{
	unsigned int i;
	int c;

	/* '+': stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+n:k:vh", long_opts,
			NULL)) != -1) {
		switch (c) {
		case 'n':
			o->nb_funcs = parse_uint(optarg, "function count",
				PLX_SIM_MAX_FUNCS);
			if (o->nb_funcs == 0)
				usage_error("bad function count '%s'", optarg);
			break;
		case 'k':
			if (plx_sim_kdrv_parse(optarg, &o->kdrv) < 0)
				usage_error("bad kernel driver '%s' "
					"(vfio-pci or uio_pci_generic)",
					optarg);
			break;
		case OPT_BANDWIDTH:
			o->bandwidth = parse_rate(optarg);
			break;
		case OPT_LATENCY:
			o->latency_ns = parse_uint(optarg, "latency",
				UINT32_MAX);
			break;
		case OPT_CPU:
			o->cpu = parse_uint(optarg, "cpu", CPU_SETSIZE - 1);
			break;
		case OPT_NULL_COPY:
			o->null_copy = true;
			break;
		case OPT_BURST:
			o->burst_prefetch = true;
			break;
		case OPT_HINTS:
			o->prefetch_hints = true;
			break;
		case OPT_CHUNKED:
			o->chunked = true;
			break;
		case OPT_LATE_WB:
			o->late_wb_us = parse_uint(optarg, "late write-back",
				UINT32_MAX);
			break;
		case OPT_CHAOS:
			o->chaos = true;
			o->chaos_seed = parse_seed(optarg);
			break;
		case OPT_FAULT:
			add_fault(o, optarg);
			break;
		case OPT_VARIANT:
			if (plx_sim_host_variants_parse(optarg,
					&o->variants) < 0)
				usage_error("unknown variant '%s'", optarg);
			break;
		case 'v':
			o->verbose++;
			break;
		case OPT_KEEP:
			*keep = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			exit(EXIT_USAGE);
		}
	}
	if (optind >= argc)
		usage_error("no command given");
	for (i = 0; i < o->nb_faults; i++)
		if (o->faults[i].fn >= o->nb_funcs)
			usage_error("fault on function %u, but only %u "
				"function(s)", o->faults[i].fn, o->nb_funcs);
	return optind;
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The library to preload, as an absolute path. */
static int
find_lib(char *buf, size_t len)
{
	const char *env = getenv("PLX_SIM_LIB");
	char exe[PATH_MAX];
	Dl_info info;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		if (realpath(env, buf) == NULL || !is_file(buf)) {
			fprintf(stderr, "%s: PLX_SIM_LIB=%s: not a file\n",
				prog, env);
			return -1;
		}
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(buf, len, "%s/%s", dirname(exe), LIB_NAME);
		if (is_file(buf))
			return 0;
	}
	/* Installed apart from the program: the copy we run on ourselves. */
	if (dladdr((void *)(uintptr_t)plx_sim_tree_build, &info) != 0 &&
			info.dli_fname != NULL &&
			realpath(info.dli_fname, buf) != NULL && is_file(buf))
		return 0;
	fprintf(stderr, "%s: cannot find %s (set PLX_SIM_LIB)\n", prog,
		LIB_NAME);
	return -1;
}

static int
prepend_env(const char *name, const char *value, char sep)
{
	const char *old = getenv(name);
	char *v;
	int ret;

	if (old == NULL || *old == '\0')
		return setenv(name, value, 1);
	if (asprintf(&v, "%s%c%s", value, sep, old) < 0)
		return -1;
	ret = setenv(name, v, 1);
	free(v);
	return ret;
}

static int
setup_env(const char *root, const struct plx_sim_host_opts *o)
{
	const char *asan = getenv("ASAN_OPTIONS");
	char lib[PATH_MAX], path[PATH_MAX];

	if (find_lib(lib, sizeof(lib)) < 0)
		return -1;
	if (plx_sim_host_opts_to_env(o, root) < 0)
		return -1;
	if (snprintf(path, sizeof(path), "%s" PLX_SIM_TREE_PCI_DEVICES,
			root) >= (int)sizeof(path) ||
			setenv("SYSFS_PCI_DEVICES", path, 1) < 0 ||
			prepend_env("LD_PRELOAD", lib, ':') < 0)
		return -1;
	if (snprintf(path, sizeof(path), "%s" PLX_SIM_TREE_RUNTIME,
			root) >= (int)sizeof(path) ||
			setenv("RUNTIME_DIRECTORY", path, 0) < 0)
		return -1;
	/* An ASan program wants its runtime first in the link map; ours is
	 * preloaded ahead of it and is harmless to it. */
	if (asan == NULL || strstr(asan, "verify_asan_link_order") == NULL) {
		if (asan == NULL || *asan == '\0')
			asan = "verify_asan_link_order=0";
		else
			asan = NULL;
		if (asan != NULL ? setenv("ASAN_OPTIONS", asan, 1) < 0 :
				prepend_env("ASAN_OPTIONS",
					"verify_asan_link_order=0", ':') < 0)
			return -1;
	}
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT)
		fprintf(stderr, "%s: cannot remove %s: %s\n", prog, path,
			strerror(errno));
	return 0;
}

static void
remove_tree(const char *root)
{
	/* Depth first, never following a link out of the tree. */
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/*
 * Signals for the command: a terminal's ^C reaches it directly (same
 * process group), so only forward what was sent to us alone.
 */
static void
forward_signal(int sig, siginfo_t *info, void *ctx)
{
	pid_t pid = child_pid;

	if (pid > 0 && (info == NULL || info->si_code != SI_KERNEL))
		kill(pid, sig);
}

static void
set_forwarding(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	unsigned int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static int
run(char **cmd)
{
	int status;
	pid_t pid;

	set_forwarding();
	/* A closed pipe must not keep us from cleaning up. */
	signal(SIGPIPE, SIG_IGN);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, cmd[0],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	child_pid = pid;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "%s: waitpid: %s\n", prog,
				strerror(errno));
			return 1;
		}
	}
	child_pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "%s: %s killed by signal %d (%s)\n", prog,
			cmd[0], WTERMSIG(status), strsignal(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	return 1;
}

int
main(int argc, char **argv)
{
	struct plx_sim_host_opts opts;
	char root[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	bool keep = false;
	int cmd, ret;

	plx_sim_host_opts_default(&opts);
	cmd = parse_args(argc, argv, &opts, &keep);
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(root, sizeof(root), "%s/plx-sim.XXXXXX", tmp);
	if (mkdtemp(root) == NULL) {
		fprintf(stderr, "%s: cannot create a directory in %s: %s\n",
			prog, tmp, strerror(errno));
		return 1;
	}
	if (plx_sim_tree_build(root, &opts) < 0 ||
			setup_env(root, &opts) < 0) {
		fprintf(stderr, "%s: cannot set up the simulated host\n", prog);
		ret = 1;
	} else {
		if (opts.verbose > 0)
			fprintf(stderr, "%s: %u function(s) on %s, tree %s\n",
				prog, opts.nb_funcs,
				plx_sim_kdrv_name(opts.kdrv), root);
		ret = run(&argv[cmd]);
	}
	if (keep)
		fprintf(stderr, "%s: tree kept in %s\n", prog, root);
	else
		remove_tree(root);
	return ret;
}
