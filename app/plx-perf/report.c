/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* dpdk-test-plx-perf: the results, as a table, as CSV and against the
 * issue's targets. */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "plx_perf.h"

struct result size_results[MAX_LIST][ENG_MAX];

/* A figure with its decimals, empty when not measured. */
static void
fmt_opt(char *buf, size_t len, double v, int decimals)
{
	if (isnan(v))
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%.*f", decimals, v);
}

static void
fmt_ns(char *buf, size_t len, double v)
{
	fmt_opt(buf, len, v, 0);
}

static bool
result_sane(const struct result *r)
{
	return r->ok && r->ops > 0 && isfinite(r->mops) && r->mops > 0 &&
		isfinite(r->gbps) && r->gbps > 0 && isfinite(r->cyc_op) &&
		r->cyc_op > 0;
}

void
result_print(const struct result *r)
{
	char p50[32], p99[32], xfer[32], ww[32], ew[32];
	bool sane = result_sane(r);

	fmt_ns(p50, sizeof(p50), r->lat_p50);
	fmt_ns(p99, sizeof(p99), r->lat_p99);
	fmt_ns(xfer, sizeof(xfer), r->xfer_ns);
	fmt_opt(ww, sizeof(ww), r->wait_pct[0], 1);
	fmt_opt(ew, sizeof(ew), r->wait_pct[1], 1);
	printf("%-8s %-9s %2u %6u %4u %5u %10" PRIu64 " %8.2f %7.2f %8.1f "
		"%5.1f %7s %7s %5s %5s %5s %s%s\n", sweep_names[r->sweep],
		engine_names[r->engine], r->channels, r->size, r->batch,
		r->ring, r->ops, r->mops, r->gbps, r->cyc_op, r->idle_pct,
		p50, p99, xfer, ww, ew, r->ok ? "ok" : "FAILED: ",
		r->ok ? "" : r->why);
	if (csv != NULL)
		fprintf(csv, "%s,%s,%u,%u,%u,%u,%" PRIu64 ",%.4f,%.3f,%.3f,"
			"%.1f,%.1f,%s,%s,%s,%s,%s,%s\n", sweep_names[r->sweep],
			engine_names[r->engine], r->channels, r->size,
			r->batch, r->ring, r->ops, r->secs, r->mops, r->gbps,
			r->cyc_op, r->idle_pct, p50, p99,
			r->ok ? "yes" : "no", xfer, ww, ew);
	if (opt.check) {
		if (sane)
			checks_passed++;
		else
			checks_failed++;
		if (!sane)
			printf("CHECK FAILED: %s %s size %u: %s\n",
				sweep_names[r->sweep], engine_names[r->engine],
				r->size, r->ok ? "insane figures" : r->why);
	} else if (!r->ok) {
		checks_failed++;
	}
}

static const struct result *
size_result(uint32_t size, enum engine e)
{
	unsigned int i;

	for (i = 0; i < opt.sizes.n; i++)
		if (opt.sizes.v[i] == size && size_results[i][e].ok &&
				size_results[i][e].ops != 0)
			return &size_results[i][e];
	return NULL;
}

static void
target(const char *what, double value, double limit, bool at_most)
{
	bool met = at_most ? value <= limit : value >= limit;

	printf("target: %-58s %8.3f %s %8.3f  %s\n", what, value,
		at_most ? "<=" : ">=", limit, met ? "MET" : "MISSED");
}

void
targets_print(void)
{
	const struct result *n64 = size_result(64, ENG_PLX_NULL);
	const struct result *p64 = size_result(64, ENG_PLX);
	const struct result *s64 = size_result(64, ENG_SKELETON);
	const struct result *p4k = size_result(4096, ENG_PLX);
	const struct result *c4k = size_result(4096, ENG_CPU);
	unsigned int i;

	if (n64 != NULL && s64 != NULL)
		target("plx-null / skeleton worker cycles/op, 64 B",
			n64->cyc_op / s64->cyc_op, 1, true);
	if (p4k != NULL && c4k != NULL)
		target("plx / cpu worker cycles/op, 4 KiB",
			p4k->cyc_op / c4k->cyc_op, 0.25, true);
	if (p64 != NULL && s64 != NULL)
		target("plx / skeleton Mops, 64 B", p64->mops / s64->mops, 2,
			false);
	for (i = 0; i < opt.sizes.n; i++) {
		const struct result *p = &size_results[i][ENG_PLX];
		const struct result *c = &size_results[i][ENG_CPU];
		char what[64];

		if (opt.sizes.v[i] < 4096 || !p->ok || !c->ok || p->ops == 0 ||
				c->ops == 0)
			continue;
		snprintf(what, sizeof(what), "plx / cpu GB/s, %" PRIu64 " B",
			opt.sizes.v[i]);
		target(what, p->gbps / c->gbps, 0.9, false);
	}
}

void
header_print(void)
{
	char model[128] = "unknown";
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");
	unsigned int e;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			snprintf(model, sizeof(model), "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	snprintf(line, sizeof(line), "machine: %ld CPUs, %s, TSC %.3f GHz",
		sysconf(_SC_NPROCESSORS_ONLN), model, tsc_hz / 1e9);
	printf("%s\n", line);
	if (csv != NULL)
		fprintf(csv, "# %s\n", line);
	printf("channels: %u worker lcore(s);", nb_chans);
	for (e = 0; e < ENG_MAX; e++)
		printf(" %s %u%s", engine_names[e],
			e == ENG_CPU ? nb_chans : nb_devs[e],
			(opt.engines & (1u << e)) ? "" : " (off)");
	if (opt.sges > 1)
		printf("\nDMA ops: scatter-gather, %u segments per side",
			opt.sges);
	printf("\n%s per case, best of %u round(s); buffers %s; %s polling; "
		"busy cycles are TSC cycles; xfer: a cache line's round trip "
		"to the main lcore before the case (ns); wwait, ewait: time "
		"the worker, the simulated engine waited for a CPU (%%)\n",
		opt.ops != 0 ? "fixed op count" : "timed", opt.repeat,
		opt.dense ? "dense" : "spread as mbufs",
		opt.paced ? "paced" : "tight");
	printf("%-8s %-9s %2s %6s %4s %5s %10s %8s %7s %8s %5s %7s %7s %5s "
		"%5s %5s\n", "sweep", "engine", "ch", "size", "kick", "ring",
		"ops", "Mops", "GB/s", "cyc/op", "idle%", "p50ns", "p99ns",
		"xfer", "wwait", "ewait");
	if (csv != NULL) {
		fprintf(csv, "# buffers %s, %s polling, best of %u round(s)\n",
			opt.dense ? "dense" : "mbuf", opt.paced ? "paced" :
			"tight", opt.repeat);
		fprintf(csv, "sweep,engine,channels,size,kick_batch,ring,ops,"
			"seconds,mops,gbps,busy_cycles_per_op,idle_pct,"
			"lat_p50_ns,lat_p99_ns,verified,xfer_rt_ns,"
			"worker_wait_pct,engine_wait_pct\n");
	}
}
