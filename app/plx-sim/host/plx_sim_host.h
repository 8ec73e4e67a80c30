/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_SIM_HOST_H
#define PLX_SIM_HOST_H

/*
 * The simulated switch as the host presents it (libplx_sim_host): a fake
 * sysfs and emulated vfio-pci / uio device files, preloaded into any DPDK
 * program by the dpdk-plx-sim launcher, so that DPDK's unmodified PCI bus
 * probes and maps the simulated functions. Programs that link this
 * library reach the switch they run on here, and drive it with the
 * model's API (plx_sim.h).
 */

#include "plx_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The switch this process runs on when started by dpdk-plx-sim (or NULL).
 * Tests that link libplx_sim_host use it to inject faults into the
 * functions their DPDK application has probed.
 */
struct plx_sim *plx_sim_self(void);

/* PCI address ("0000:03:00.1") of function fn, and the reverse. */
const char *plx_sim_func_addr(unsigned int fn);
int plx_sim_func_of_addr(const char *pci_addr);

#ifdef __cplusplus
}
#endif

#endif /* PLX_SIM_HOST_H */
