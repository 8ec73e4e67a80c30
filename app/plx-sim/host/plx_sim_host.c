/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Host presentation of the simulated switch: the run's configuration as
 * the launcher hands it over in the environment, the PCI identities of the
 * functions and the process-wide switch instance. The fake sysfs is
 * plx_sim_sysfs.c's.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plx_sim_host_priv.h"
#include "plx_sim_real.h"

/* Bus 3 hangs below the switch's upstream port; function 0 of device 0 is
 * that port, the DMA functions follow it. */
#define SIM_PCI_DOMAIN		0
#define SIM_PCI_BUS		3
/* Arbitrary but distinct from what a small host uses for its own groups. */
#define SIM_IOMMU_GROUP_BASE	40

static void
sim_func_bdf(unsigned int fn, unsigned int *dev, unsigned int *func)
{
	/* Eight functions per device: the ninth index starts device 1. */
	*dev = (fn + 1) / 8;
	*func = (fn + 1) % 8;
}

static char func_names[PLX_SIM_MAX_FUNCS][16];

static void
func_names_init(void)
{
	unsigned int fn, dev, func;

	for (fn = 0; fn < PLX_SIM_MAX_FUNCS; fn++) {
		sim_func_bdf(fn, &dev, &func);
		snprintf(func_names[fn], sizeof(func_names[fn]),
			"%04x:%02x:%02x.%x", SIM_PCI_DOMAIN, SIM_PCI_BUS, dev,
			func);
	}
}

const char *
plx_sim_func_addr(unsigned int fn)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (fn >= PLX_SIM_MAX_FUNCS)
		return NULL;
	pthread_once(&once, func_names_init);
	return func_names[fn];
}

int
plx_sim_func_of_addr(const char *pci_addr)
{
	unsigned int domain = 0, bus, dev, func, fn;
	int n = -1;

	if (pci_addr == NULL)
		return -1;
	/* With or without the domain, as DPDK accepts both. */
	if (sscanf(pci_addr, "%x:%x:%x.%x%n", &domain, &bus, &dev, &func,
			&n) != 4 || pci_addr[n] != '\0') {
		n = -1;
		domain = 0;
		if (sscanf(pci_addr, "%x:%x.%x%n", &bus, &dev, &func, &n) != 3
				|| pci_addr[n] != '\0')
			return -1;
	}
	if (domain != SIM_PCI_DOMAIN || bus != SIM_PCI_BUS || func > 7)
		return -1;
	fn = dev * 8 + func;
	if (fn == 0 || fn > PLX_SIM_MAX_FUNCS)
		return -1;
	return (int)fn - 1;
}

unsigned int
plx_sim_func_group(unsigned int fn)
{
	return SIM_IOMMU_GROUP_BASE + fn;
}

unsigned int
plx_sim_func_uio(unsigned int fn)
{
	return fn;
}

int
plx_sim_func_of_group(unsigned int group)
{
	if (group < SIM_IOMMU_GROUP_BASE ||
			group >= SIM_IOMMU_GROUP_BASE + PLX_SIM_MAX_FUNCS)
		return -1;
	return (int)(group - SIM_IOMMU_GROUP_BASE);
}

int
plx_sim_func_of_uio(unsigned int uio)
{
	return uio < PLX_SIM_MAX_FUNCS ? (int)uio : -1;
}

const char *
plx_sim_kdrv_name(enum plx_sim_kdrv kdrv)
{
	return kdrv == PLX_SIM_KDRV_UIO ? "uio_pci_generic" : "vfio-pci";
}

int
plx_sim_kdrv_parse(const char *s, enum plx_sim_kdrv *kdrv)
{
	if (strcmp(s, "vfio-pci") == 0 || strcmp(s, "vfio") == 0)
		*kdrv = PLX_SIM_KDRV_VFIO;
	else if (strcmp(s, "uio_pci_generic") == 0 || strcmp(s, "uio") == 0)
		*kdrv = PLX_SIM_KDRV_UIO;
	else
		return -1;
	return 0;
}

/* --- configuration --- */

static int sim_verbose = -1;

void
plx_sim_log(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (sim_verbose < 0) {
		const char *v = getenv(PLX_SIM_ENV_VERBOSE);

		sim_verbose = v != NULL ? atoi(v) : 0;
	}
	if (level > sim_verbose)
		return;
	/* One write per line keeps lines of concurrent threads whole. */
	n = snprintf(buf, sizeof(buf), "plx-sim[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	if (n > 0 && buf[n - 1] != '\n' && (size_t)n < sizeof(buf) - 1)
		buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

void
plx_sim_host_opts_default(struct plx_sim_host_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->nb_funcs = 4;
	opts->kdrv = PLX_SIM_KDRV_VFIO;
	opts->cpu = -1;
}

static int
sim_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

int
plx_sim_host_fault_parse(const char *s, struct plx_sim_fault_spec *f)
{
	char buf[128], *kind, *after;
	uint64_t fn;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	kind = strchr(buf, ':');
	if (kind == NULL)
		return -1;
	*kind++ = '\0';
	after = strchr(kind, ':');
	if (after != NULL)
		*after++ = '\0';
	if (sim_parse_u64(buf, &fn) < 0 || fn >= PLX_SIM_MAX_FUNCS)
		return -1;
	f->fn = fn;
	if (plx_sim_fault_parse(kind, &f->kind) < 0 ||
			f->kind == PLX_SIM_FAULT_NONE)
		return -1;
	f->after = 0;
	if (after != NULL && sim_parse_u64(after, &f->after) < 0)
		return -1;
	return 0;
}

int
plx_sim_host_variants_parse(const char *s, uint32_t *variants)
{
	char buf[256], *tok, *save;
	enum plx_sim_variant v;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		if (plx_sim_variant_parse(tok, &v) < 0)
			return -1;
		*variants |= PLX_SIM_VARIANT(v);
	}
	return 0;
}

/* The variants as names, comma-separated, in buf. */
static int
sim_variants_fmt(uint32_t variants, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int v;

	buf[0] = '\0';
	for (v = 0; v < PLX_SIM_VAR_MAX; v++) {
		if (!(variants & PLX_SIM_VARIANT(v)))
			continue;
		n += snprintf(buf + n, len - n, "%s%s", n ? "," : "",
			plx_sim_variant_name(v));
		if (n >= len)
			return -1;
	}
	return 0;
}

static int
sim_env_u64(const char *name, uint64_t max, uint64_t *v)
{
	const char *s = getenv(name);

	if (s == NULL)
		return 0;
	if (sim_parse_u64(s, v) < 0 || *v > max) {
		plx_sim_log(0, "bad %s=%s", name, s);
		return -1;
	}
	return 0;
}

static int
sim_env_faults(struct plx_sim_host_opts *opts)
{
	const char *s = getenv(PLX_SIM_ENV_FAULTS);
	char buf[PLX_SIM_MAX_FAULTS * 40], *tok, *save;

	if (s == NULL || *s == '\0')
		return 0;
	if (strlen(s) >= sizeof(buf)) {
		plx_sim_log(0, "%s too long", PLX_SIM_ENV_FAULTS);
		return -1;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		if (opts->nb_faults == PLX_SIM_MAX_FAULTS ||
				plx_sim_host_fault_parse(tok,
					&opts->faults[opts->nb_faults]) < 0) {
			plx_sim_log(0, "bad fault '%s' in %s", tok,
				PLX_SIM_ENV_FAULTS);
			return -1;
		}
		opts->nb_faults++;
	}
	return 0;
}

int
plx_sim_host_opts_from_env(struct plx_sim_host_opts *opts)
{
	const char *s;
	uint64_t v;

	plx_sim_host_opts_default(opts);
	v = opts->nb_funcs;
	if (sim_env_u64(PLX_SIM_ENV_FUNCS, PLX_SIM_MAX_FUNCS, &v) < 0 ||
			v == 0)
		return -1;
	opts->nb_funcs = v;
	s = getenv(PLX_SIM_ENV_KDRV);
	if (s != NULL && plx_sim_kdrv_parse(s, &opts->kdrv) < 0) {
		plx_sim_log(0, "bad %s=%s", PLX_SIM_ENV_KDRV, s);
		return -1;
	}
	if (sim_env_u64(PLX_SIM_ENV_BANDWIDTH, UINT64_MAX,
			&opts->bandwidth) < 0)
		return -1;
	v = 0;
	if (sim_env_u64(PLX_SIM_ENV_LATENCY, UINT32_MAX, &v) < 0)
		return -1;
	opts->latency_ns = v;
	s = getenv(PLX_SIM_ENV_CPU);
	if (s != NULL && strcmp(s, "-1") != 0) {
		if (sim_env_u64(PLX_SIM_ENV_CPU, CPU_SETSIZE - 1, &v) < 0)
			return -1;
		opts->cpu = v;
	}
	v = 0;
	if (sim_env_u64(PLX_SIM_ENV_NULL_COPY, 1, &v) < 0)
		return -1;
	opts->null_copy = v != 0;
	v = 0;
	if (sim_env_u64(PLX_SIM_ENV_BURST, 1, &v) < 0)
		return -1;
	opts->burst_prefetch = v != 0;
	v = 0;
	if (sim_env_u64(PLX_SIM_ENV_HINTS, 1, &v) < 0)
		return -1;
	opts->prefetch_hints = v != 0;
	v = 0;
	if (sim_env_u64(PLX_SIM_ENV_CHUNKED, 1, &v) < 0)
		return -1;
	opts->chunked = v != 0;
	v = 0;
	if (sim_env_u64(PLX_SIM_ENV_LATE_WB, UINT32_MAX, &v) < 0)
		return -1;
	opts->late_wb_us = v;
	s = getenv(PLX_SIM_ENV_CHAOS);
	if (s != NULL && *s != '\0') {
		if (sim_env_u64(PLX_SIM_ENV_CHAOS, UINT64_MAX,
				&opts->chaos_seed) < 0)
			return -1;
		opts->chaos = true;
	}
	v = 0;
	if (sim_env_u64(PLX_SIM_ENV_VERBOSE, 16, &v) < 0)
		return -1;
	opts->verbose = v;
	s = getenv(PLX_SIM_ENV_VARIANTS);
	if (s != NULL && plx_sim_host_variants_parse(s, &opts->variants) < 0) {
		plx_sim_log(0, "bad %s=%s", PLX_SIM_ENV_VARIANTS, s);
		return -1;
	}
	return sim_env_faults(opts);
}

static int
sim_setenv_u64(const char *name, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return setenv(name, buf, 1);
}

int
plx_sim_host_opts_to_env(const struct plx_sim_host_opts *opts,
		const char *root)
{
	char faults[PLX_SIM_MAX_FAULTS * 40] = "";
	char variants[256];
	char cpu[16], chaos[24] = "";
	unsigned int i;
	size_t n = 0;

	for (i = 0; i < opts->nb_faults; i++) {
		const struct plx_sim_fault_spec *f = &opts->faults[i];

		n += snprintf(faults + n, sizeof(faults) - n,
			"%s%u:%s:%" PRIu64, i ? "," : "", f->fn,
			plx_sim_fault_name(f->kind), f->after);
		if (n >= sizeof(faults))
			return -1;
	}
	snprintf(cpu, sizeof(cpu), "%d", opts->cpu);
	if (sim_variants_fmt(opts->variants, variants, sizeof(variants)) < 0)
		return -1;
	if (opts->chaos)
		snprintf(chaos, sizeof(chaos), "%" PRIu64, opts->chaos_seed);
	if (setenv(PLX_SIM_ENV_ROOT, root, 1) < 0 ||
			sim_setenv_u64(PLX_SIM_ENV_FUNCS, opts->nb_funcs) < 0 ||
			setenv(PLX_SIM_ENV_KDRV, plx_sim_kdrv_name(opts->kdrv),
				1) < 0 ||
			sim_setenv_u64(PLX_SIM_ENV_BANDWIDTH,
				opts->bandwidth) < 0 ||
			sim_setenv_u64(PLX_SIM_ENV_LATENCY,
				opts->latency_ns) < 0 ||
			setenv(PLX_SIM_ENV_CPU, cpu, 1) < 0 ||
			sim_setenv_u64(PLX_SIM_ENV_NULL_COPY,
				opts->null_copy) < 0 ||
			sim_setenv_u64(PLX_SIM_ENV_BURST,
				opts->burst_prefetch) < 0 ||
			sim_setenv_u64(PLX_SIM_ENV_HINTS,
				opts->prefetch_hints) < 0 ||
			setenv(PLX_SIM_ENV_CHAOS, chaos, 1) < 0 ||
			sim_setenv_u64(PLX_SIM_ENV_CHUNKED, opts->chunked) < 0 ||
			sim_setenv_u64(PLX_SIM_ENV_LATE_WB, opts->late_wb_us) < 0 ||
			sim_setenv_u64(PLX_SIM_ENV_VERBOSE, opts->verbose) < 0 ||
			setenv(PLX_SIM_ENV_FAULTS, faults, 1) < 0 ||
			setenv(PLX_SIM_ENV_VARIANTS, variants, 1) < 0)
		return -1;
	return 0;
}

/* --- this process's view of the run --- */

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static const char *host_root;
static struct plx_sim_host_opts host_opts;

static void
host_init(void)
{
	const char *root = getenv(PLX_SIM_ENV_ROOT);

	if (root == NULL || root[0] != '/')
		return;
	if (plx_sim_host_opts_from_env(&host_opts) < 0) {
		plx_sim_log(0, "ignoring the simulated switch: bad environment");
		return;
	}
	host_root = strdup(root);
}

const char *
plx_sim_host_root(void)
{
	pthread_once(&host_once, host_init);
	return host_root;
}

const struct plx_sim_host_opts *
plx_sim_host_opts(void)
{
	return plx_sim_host_root() != NULL ? &host_opts : NULL;
}

int
plx_sim_host_dev_path(unsigned int fn, const char *file, char *buf,
		size_t len)
{
	const char *root = plx_sim_host_root();
	int n;

	if (root == NULL || fn >= host_opts.nb_funcs)
		return -1;
	n = snprintf(buf, len, "%s" PLX_SIM_TREE_PCI_DEVICES "/%s%s%s", root,
		plx_sim_func_addr(fn), file ? "/" : "", file ? file : "");
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* --- the switch instance --- */

typedef int (*sim_rte_iova_mode_t)(void);
typedef void *(*sim_rte_iova2virt_t)(uint64_t iova);

/*
 * With uio there is no IOMMU: the engine sees physical addresses, and only
 * DPDK knows which of its pages sits where. It is asked at run time, so
 * that the library needs no DPDK to build or to load.
 */
static void *
host_iova_xlate(uint64_t iova, uint64_t len)
{
	static sim_rte_iova2virt_t iova2virt;
	static sim_rte_iova_mode_t iova_mode;
	/* Hugepages are at least this large and aligned on their size, so a
	 * range translates contiguously within each such chunk. */
	const uint64_t chunk = UINT64_C(2) << 20;
	uint64_t off, next;
	char *va;

	if (iova2virt == NULL) {
		iova_mode = (sim_rte_iova_mode_t)(uintptr_t)dlsym(
			RTLD_DEFAULT, "rte_eal_iova_mode");
		iova2virt = (sim_rte_iova2virt_t)(uintptr_t)dlsym(
			RTLD_DEFAULT, "rte_mem_iova2virt");
	}
	/* RTE_IOVA_VA == 2: the application programs virtual addresses. */
	if (iova2virt == NULL || (iova_mode != NULL && iova_mode() == 2))
		return (void *)(uintptr_t)iova;
	va = iova2virt(iova);
	if (va == NULL || len == 0)
		return va;
	for (off = (iova | (chunk - 1)) + 1 - iova; off < len; off += chunk) {
		next = iova + off;
		if (iova2virt(next) != va + off)
			return NULL;
	}
	return va;
}

static int
host_open_bars(const struct plx_sim_host_opts *opts, int *fds)
{
	char path[PATH_MAX];
	unsigned int fn;

	for (fn = 0; fn < opts->nb_funcs; fn++) {
		fds[fn] = -1;
		if (plx_sim_host_dev_path(fn, "resource0", path,
				sizeof(path)) < 0)
			return -1;
		fds[fn] = REAL(open_fn, "open")(path, O_RDWR | O_CLOEXEC);
		if (fds[fn] < 0) {
			plx_sim_log(0, "cannot open %s: %s", path,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void
host_arm_faults(struct plx_sim *sim, const struct plx_sim_host_opts *opts)
{
	unsigned int i;

	for (i = 0; i < opts->nb_faults; i++) {
		const struct plx_sim_fault_spec *f = &opts->faults[i];

		if (f->fn >= opts->nb_funcs ||
				plx_sim_inject(sim, f->fn, f->kind,
					f->after) < 0)
			plx_sim_log(0, "cannot arm fault %s on function %u",
				plx_sim_fault_name(f->kind), f->fn);
		else
			plx_sim_log(1, "%s: fault %s armed after %" PRIu64,
				plx_sim_func_addr(f->fn),
				plx_sim_fault_name(f->kind), f->after);
	}
}

static cpu_set_t host_initial_cpus;
static bool host_initial_cpus_valid;

/* Remember the affinity the program started with, before DPDK pins its
 * main thread to one lcore. */
static void __attribute__((constructor))
host_record_affinity(void)
{
	if (getenv(PLX_SIM_ENV_ROOT) == NULL)
		return;
	host_initial_cpus_valid = sched_getaffinity(0,
		sizeof(host_initial_cpus), &host_initial_cpus) == 0;
}

static struct plx_sim *
host_create(void)
{
	const struct plx_sim_host_opts *opts = plx_sim_host_opts();
	int fds[PLX_SIM_MAX_FUNCS];
	struct plx_sim_conf conf;
	struct plx_sim *sim = NULL;
	cpu_set_t saved;
	bool restore;
	unsigned int fn;

	if (opts == NULL)
		return NULL;
	memset(fds, -1, sizeof(fds));
	if (host_open_bars(opts, fds) < 0)
		goto out;
	memset(&conf, 0, sizeof(conf));
	conf.nb_funcs = opts->nb_funcs;
	conf.bandwidth = opts->bandwidth;
	conf.desc_latency_ns = opts->latency_ns;
	conf.cpu = opts->cpu;
	conf.null_copy = opts->null_copy;
	conf.burst_prefetch = opts->burst_prefetch;
	conf.prefetch_hints = opts->prefetch_hints;
	conf.chaos = opts->chaos;
	conf.chaos_seed = opts->chaos_seed;
	conf.chunked = opts->chunked;
	conf.late_writeback_us = opts->late_wb_us;
	conf.verbose = opts->verbose;
	conf.variants = opts->variants;
	conf.bar_fds = fds;
	/*
	 * The switch is made lazily, often from a thread DPDK has already
	 * pinned to its lcore; the engine thread inherits the affinity of
	 * its creator and would then fight the application for that CPU.
	 */
	restore = host_initial_cpus_valid &&
		pthread_getaffinity_np(pthread_self(), sizeof(saved),
			&saved) == 0 &&
		pthread_setaffinity_np(pthread_self(),
			sizeof(host_initial_cpus), &host_initial_cpus) == 0;
	sim = plx_sim_create(&conf);
	if (restore)
		pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	if (sim == NULL) {
		plx_sim_log(0, "cannot create the simulated switch: %s",
			strerror(errno));
		goto out;
	}
	if (opts->kdrv == PLX_SIM_KDRV_UIO)
		plx_sim_set_iova_xlate(sim, host_iova_xlate);
	host_arm_faults(sim, opts);
	plx_sim_log(1, "switch up: %u function(s) on %s, variants %#x",
		opts->nb_funcs, plx_sim_kdrv_name(opts->kdrv), opts->variants);
	/* The model keeps using the BAR files' descriptors (for the vfio
	 * BAR0 mmap too): they stay open as long as the process. */
	return sim;
out:
	for (fn = 0; fn < opts->nb_funcs; fn++)
		if (fds[fn] >= 0)
			real_close(fds[fn]);
	return NULL;
}

static pthread_mutex_t self_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plx_sim *_Atomic self;
static bool self_tried;

/*
 * The function whose BAR0 file fd is open on, other than the model's own
 * descriptor of it (its mappings are made through the model already), or
 * -1; never before the switch is made.
 */
int
plx_sim_host_bar_fn(int fd)
{
	struct plx_sim *sim = plx_sim_load(&self, memory_order_acquire);
	struct stat st, bar;
	unsigned int fn;

	if (sim == NULL || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	for (fn = 0; fn < plx_sim_nb_funcs(sim); fn++) {
		int bfd = plx_sim_bar0_fd(sim, fn);

		if (bfd != fd && fstat(bfd, &bar) == 0 &&
				bar.st_dev == st.st_dev && bar.st_ino == st.st_ino)
			return fn;
	}
	return -1;
}

struct plx_sim *
plx_sim_self(void)
{
	struct plx_sim *sim = plx_sim_load(&self, memory_order_acquire);

	if (sim != NULL)
		return sim;
	pthread_mutex_lock(&self_lock);
	if (!self_tried) {
		self_tried = true;
		plx_sim_store(&self, host_create(), memory_order_release);
	}
	sim = plx_sim_load(&self, memory_order_relaxed);
	pthread_mutex_unlock(&self_lock);
	return sim;
}
