/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The simulated switch's life cycle: its functions, their BAR0 files and
 * power-on state, the engine thread that serves them round-robin, and what
 * the model tells of them.
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plx_sim_priv.h"

/* Idle back-off of the engine thread. */
#define PLX_SPIN_NS		20000
#define PLX_YIELD_NS		200000
#define PLX_SLEEP_MIN_NS	1000
#define PLX_SLEEP_MAX_NS	64000

void
plx_log_print(const struct plx_func *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, "plx-sim: fn%u: ", f->fn);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

/* --- engine thread --- */

struct plx_backoff {
	uint64_t idle_since;
	uint64_t sleep_ns;
};

static void
backoff_wait(struct plx_backoff *b, bool pacing)
{
	uint64_t now = now_ns();
	struct timespec ts;
	int i;

	if (b->idle_since == 0)
		b->idle_since = now;
	if (now - b->idle_since < PLX_SPIN_NS) {
		for (i = 0; i < 32; i++)
			cpu_relax();
		return;
	}
	/* A paced transfer in flight is due soon: stay responsive. */
	if (pacing || now - b->idle_since < PLX_YIELD_NS) {
		sched_yield();
		return;
	}
	if (b->sleep_ns < PLX_SLEEP_MIN_NS)
		b->sleep_ns = PLX_SLEEP_MIN_NS;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)b->sleep_ns;
	nanosleep(&ts, NULL);
	if (b->sleep_ns < PLX_SLEEP_MAX_NS)
		b->sleep_ns *= 2;
}

static void *
engine_thread(void *arg)
{
	struct plx_sim *sim = arg;
	struct plx_backoff b = { 0, 0 };

	/* Let the short sleeps of the back-off be short. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!plx_sim_load(&sim->stop, memory_order_acquire)) {
		struct plx_svc svc = { false, false };

		engine_pass(sim, &svc);
		if (svc.active) {
			b.idle_since = 0;
			b.sleep_ns = 0;
			continue;
		}
		backoff_wait(&b, svc.wait);
	}
	return NULL;
}

static int
thread_start(struct plx_sim *sim)
{
	int ret = pthread_create(&sim->thread, NULL, engine_thread, sim);

	if (ret != 0)
		return -ret;
	sim->has_thread = true;
	pthread_setname_np(sim->thread, "plx-sim");
	if (sim->conf.cpu >= 0 && sim->conf.cpu < CPU_SETSIZE) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sim->conf.cpu, &set);
		ret = pthread_setaffinity_np(sim->thread, sizeof(set), &set);
		if (ret != 0)
			fprintf(stderr, "plx-sim: cannot pin engine to cpu %d: %s\n",
				sim->conf.cpu, strerror(ret));
	}
	return 0;
}

/* --- functions: power-on state, faults --- */

/* Registers at power-on values, the engine idle; caller holds f->lock. */
static void
func_regs_reset(struct plx_func *f)
{
	memset(f->bar, 0, f->sim->bar_len);
	f->ctrl_pub = 0;
	f->intr_pub = 0;
	f->cfg = 0;
	f->status = 0;
	f->ctrl2 = 0;
	f->running = false;
	f->pause_req = false;
	f->abort_req = false;
	f->start_latch = false;
	f->halted = false;
	f->halt_due = false;
	f->glitch = false;
	pf_drop(f);
}

/* Power-on state; caller holds f->lock (or owns f exclusively). */
static void
func_reset(struct plx_func *f)
{
	bool was_removed = f->removed;

	func_regs_reset(f);
	f->pace_last = 0;
	faults_disarm(f);
	plx_sim_store(&f->removed, false, memory_order_release);
	f->late_iova = 0;
	if (was_removed)
		views_set_gone(f, false);
}

static int
bar_open(struct plx_func *f, int fd)
{
	char name[32];
	struct stat st;

	if (fd < 0) {
		snprintf(name, sizeof(name), "plx-sim-bar0-fn%u", f->fn);
		fd = memfd_create(name, MFD_CLOEXEC);
		if (fd < 0)
			return -errno;
		f->own_fd = true;
	}
	f->bar_fd = fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < f->sim->bar_len &&
			ftruncate(fd, f->sim->bar_len) < 0)
		return -errno;
	f->bar = mmap(NULL, f->sim->bar_len, PROT_READ | PROT_WRITE,
		MAP_SHARED, fd, 0);
	if (f->bar == MAP_FAILED) {
		f->bar = NULL;
		return -errno;
	}
	return 0;
}

static void
func_fini(struct plx_func *f)
{
	views_forget_func(f);
	if (f->sw != NULL && f->sw != MAP_FAILED)
		munmap(f->sw, f->sim->bar_len);
	if (f->bar != NULL)
		munmap(f->bar, f->sim->bar_len);
	if (f->own_fd && f->bar_fd >= 0)
		close(f->bar_fd);
	pthread_mutex_destroy(&f->lock);
}

static int
func_init(struct plx_sim *sim, unsigned int fn, int fd)
{
	struct plx_func *f = &sim->funcs[fn];
	int ret;

	f->sim = sim;
	f->fn = fn;
	f->bar_fd = -1;
	f->req_fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	ret = bar_open(f, fd);
	if (ret != 0)
		return ret;
	func_reset(f);
	f->sw = views_map(f, NULL, sim->bar_len,
		PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (f->sw == MAP_FAILED) {
		f->sw = NULL;
		return -errno;
	}
	return 0;
}

void
plx_sim_destroy(struct plx_sim *sim)
{
	unsigned int fn;

	if (sim == NULL)
		return;
	if (sim->has_thread) {
		plx_sim_store(&sim->stop, true, memory_order_release);
		pthread_join(sim->thread, NULL);
	}
	for (fn = 0; fn < sim->nb_funcs; fn++)
		func_fini(&sim->funcs[fn]);
	pthread_rwlock_destroy(&sim->iommu_lock);
	pthread_mutex_destroy(&sim->runs_lock);
	free(sim->tab);
	free(sim->runs);
	free(sim);
}

struct plx_sim *
plx_sim_create(const struct plx_sim_conf *conf)
{
	pthread_rwlockattr_t attr;
	struct plx_sim *sim;
	unsigned int fn;
	int ret = 0;

	if (conf == NULL || conf->nb_funcs == 0 ||
			conf->nb_funcs > PLX_SIM_MAX_FUNCS) {
		errno = EINVAL;
		return NULL;
	}
	sim = calloc(1, sizeof(*sim));
	if (sim == NULL)
		return NULL;
	sim->conf = *conf;
	sim->conf.bar_fds = NULL;	/* not ours to keep */
	sim->paced = conf->bandwidth != 0 || conf->desc_latency_ns != 0 ||
		(conf->chaos && !conf->manual);
	sim->bar_len = plx_sim_bar0_len(conf->variants);
	/* The engine re-takes the read lock batch after batch: let a waiting
	 * map/unmap in first. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&sim->iommu_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&sim->runs_lock, NULL);
	sim->runs_gen = PLX_NEVER;
	for (fn = 0; fn < conf->nb_funcs && ret == 0; fn++) {
		ret = func_init(sim, fn,
			conf->bar_fds != NULL ? conf->bar_fds[fn] : -1);
		sim->nb_funcs = fn + 1;
	}
	for (fn = 0; fn < sim->nb_funcs; fn++)
		sim->funcs[fn].chunked = conf->chunked;
	if (ret == 0 && conf->chaos && !conf->manual) {
		for (fn = 0; fn < sim->nb_funcs; fn++) {
			sim->funcs[fn].chaos = true;
			chaos_init(&sim->funcs[fn], conf->chaos_seed);
		}
		fprintf(stderr, "plx-sim: chaos seed %llu (replay: --chaos %llu)\n",
			(unsigned long long)conf->chaos_seed,
			(unsigned long long)conf->chaos_seed);
	}
	if (ret == 0 && !conf->manual)
		ret = thread_start(sim);
	if (ret != 0) {
		plx_sim_destroy(sim);
		errno = -ret;
		return NULL;
	}
	return sim;
}

unsigned int
plx_sim_nb_funcs(const struct plx_sim *sim)
{
	return sim != NULL ? sim->nb_funcs : 0;
}

volatile void *
plx_sim_bar0(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return NULL;
	return sim->funcs[fn].sw;
}

int
plx_sim_bar0_fd(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return -1;
	return sim->funcs[fn].bar_fd;
}

int
plx_sim_replug(struct plx_sim *sim, unsigned int fn)
{
	struct plx_func *f;

	if (sim == NULL || fn >= sim->nb_funcs)
		return -EINVAL;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	func_reset(f);
	pthread_mutex_unlock(&f->lock);
	plx_log(f, 1, "replugged");
	return 0;
}

int
plx_sim_func_reset(struct plx_sim *sim, unsigned int fn)
{
	struct plx_func *f;
	int ret = 0;

	if (sim == NULL || fn >= sim->nb_funcs)
		return -EINVAL;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	if (f->removed) {
		ret = -ENODEV;
	} else if (!f->reset_stuck) {
		func_regs_reset(f);
		/* What the reset cures; faults armed for later stay. */
		if (f->stalled)
			f->stall_at = PLX_NEVER;
		f->stalled = false;
		f->pause_stuck = false;
		f->abort_stuck = false;
		faults_rearm(f);
	}
	plx_log(f, 1, "function reset%s", ret != 0 ? " of a removed function" :
		f->reset_stuck ? " ignored (reset-stuck)" : "");
	pthread_mutex_unlock(&f->lock);
	return ret;
}

bool
plx_sim_func_present(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return false;
	return !plx_sim_load(&sim->funcs[fn].removed, memory_order_acquire);
}

void
plx_sim_set_null_copy(struct plx_sim *sim, bool on)
{
	if (sim != NULL)
		plx_sim_store(&sim->conf.null_copy, on, memory_order_relaxed);
}

bool
plx_sim_set_burst_prefetch(struct plx_sim *sim, bool on)
{
	if (sim == NULL)
		return false;
	return plx_sim_exchange(&sim->conf.burst_prefetch, on,
		memory_order_relaxed);
}

uint64_t
plx_sim_ownership_errors(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return 0;
	return plx_sim_load(&sim->funcs[fn].owner_errors, memory_order_relaxed);
}

uint64_t
plx_sim_chaos_digest(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return 0;
	return plx_sim_load(&sim->funcs[fn].chaos_digest, memory_order_relaxed);
}

uint64_t
plx_sim_desc_count(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return 0;
	return plx_sim_load(&sim->funcs[fn].desc_count, memory_order_acquire);
}

bool
plx_sim_stalled(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return false;
	return plx_sim_load(&sim->funcs[fn].stalled, memory_order_acquire);
}
