/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The simulated IOMMU: the IOVA ranges the engine may read and write, as
 * VFIO type 1 maps them, or a translator in their place (uio, IOVA as PA).
 * The lookup the engine does is in plx_sim_priv.h.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "plx_sim_priv.h"

int
plx_sim_iommu_map(struct plx_sim *sim, uint64_t iova, void *vaddr,
		uint64_t len)
{
	int i, ret = 0;

	if (sim == NULL || vaddr == NULL || len == 0 || iova + len < iova)
		return -EINVAL;
	pthread_rwlock_wrlock(&sim->iommu_lock);
	i = iommu_floor(sim, iova);
	if ((i >= 0 && iova - sim->tab[i].iova < sim->tab[i].len) ||
			((unsigned int)(i + 1) < sim->tab_n &&
			 sim->tab[i + 1].iova < iova + len)) {
		ret = -EEXIST;
		goto out;
	}
	if (sim->tab_n == sim->tab_cap) {
		unsigned int cap = sim->tab_cap ? sim->tab_cap * 2 : 64;
		void *t = realloc(sim->tab, cap * sizeof(*sim->tab));

		if (t == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		sim->tab = t;
		sim->tab_cap = cap;
	}
	memmove(&sim->tab[i + 2], &sim->tab[i + 1],
		(sim->tab_n - (unsigned int)(i + 1)) * sizeof(*sim->tab));
	sim->tab[i + 1] = (struct plx_iommu_ent){ iova, len, vaddr };
	sim->tab_n++;
	sim->iommu_gen++;
out:
	pthread_rwlock_unlock(&sim->iommu_lock);
	return ret;
}

/*
 * Remove every mapping inside [iova, iova + len). Like VFIO type1 v2, a
 * mapping the range only partly covers is not split: -EINVAL, nothing
 * removed. -ENOENT if nothing was mapped there. Taking the write lock waits
 * for the batch the engine may be running, so once this returns the engine
 * no longer touches the range.
 */
int
plx_sim_iommu_unmap(struct plx_sim *sim, uint64_t iova, uint64_t len)
{
	unsigned int i, first, n = 0;
	uint64_t end = iova + len;
	int f, ret = 0;

	if (sim == NULL || len == 0 || end < iova)
		return -EINVAL;
	pthread_rwlock_wrlock(&sim->iommu_lock);
	/* The first mapping that ends after iova (the table does not overlap). */
	f = iommu_floor(sim, iova);
	i = f < 0 ? 0 : (unsigned int)f;
	if (i < sim->tab_n && sim->tab[i].iova + sim->tab[i].len <= iova)
		i++;
	first = i;
	for (; i < sim->tab_n && sim->tab[i].iova < end; i++, n++) {
		if (sim->tab[i].iova < iova ||
				sim->tab[i].iova + sim->tab[i].len > end) {
			ret = -EINVAL;
			goto out;
		}
	}
	if (n == 0) {
		ret = -ENOENT;
		goto out;
	}
	memmove(&sim->tab[first], &sim->tab[first + n],
		(sim->tab_n - first - n) * sizeof(*sim->tab));
	sim->tab_n -= n;
	sim->iommu_gen++;
out:
	pthread_rwlock_unlock(&sim->iommu_lock);
	return ret;
}

/*
 * The runs of the table: its maximal spans of entries contiguous both as
 * IOVA and as host address, each of which iommu_find() accepts a range
 * across as one block. A last-hit translation caches a whole run, not the
 * entry hit: DPDK maps memory segment by segment, so under --no-huge
 * (4 KiB segments) a benchmark's copies spread over MiBs would nearly all
 * miss otherwise. Built again at the first miss after the map changed;
 * caller holds iommu_lock (read) and runs_lock.
 */
static bool
runs_build(struct plx_sim *sim)
{
	unsigned int i, n = 0;

	if (sim->runs_cap < sim->tab_n) {
		void *t = realloc(sim->runs, sim->tab_n * sizeof(*sim->runs));

		if (t == NULL)
			return false;
		sim->runs = t;
		sim->runs_cap = sim->tab_n;
	}
	for (i = 0; i < sim->tab_n; i++) {
		const struct plx_iommu_ent *e = &sim->tab[i];
		struct plx_iommu_ent *r = n > 0 ? &sim->runs[n - 1] : NULL;

		if (r != NULL && r->iova + r->len == e->iova &&
				r->va + r->len == e->va)
			r->len += e->len;
		else
			sim->runs[n++] = *e;
	}
	sim->runs_n = n;
	sim->runs_gen = sim->iommu_gen;
	return true;
}

/* The run holding [iova, iova + len) into *out, as iommu_find() would. */
static bool
runs_find(struct plx_sim *sim, uint64_t iova, uint64_t len,
		struct plx_iommu_ent *out)
{
	bool ok;
	int i;

	pthread_mutex_lock(&sim->runs_lock);
	if (sim->runs_gen != sim->iommu_gen && !runs_build(sim)) {
		pthread_mutex_unlock(&sim->runs_lock);
		return iommu_find(sim, iova, len, out);
	}
	i = ents_floor(sim->runs, sim->runs_n, iova);
	ok = i >= 0 && ent_covers(&sim->runs[i], iova, len);
	if (ok)
		*out = sim->runs[i];
	pthread_mutex_unlock(&sim->runs_lock);
	return ok;
}

uint8_t *
xlate_miss(struct plx_func *f, enum plx_xlate_kind kind, uint64_t iova,
		uint64_t len)
{
	struct plx_sim *sim = f->sim;
	struct plx_iommu_ent *c = &f->xl[kind];

	/* A custom translation is not cached: its entries stay empty. */
	if (sim->xlate != NULL)
		return sim->xlate(iova, len);
	if (!runs_find(sim, iova, len, c)) {
		c->len = 0;
		return NULL;
	}
	return c->va + (iova - c->iova);
}

void
plx_sim_set_iova_xlate(struct plx_sim *sim, plx_sim_iova_xlate_t fn)
{
	if (sim == NULL)
		return;
	pthread_rwlock_wrlock(&sim->iommu_lock);
	sim->xlate = fn;
	sim->iommu_gen++;
	pthread_rwlock_unlock(&sim->iommu_lock);
}
