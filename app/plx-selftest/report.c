/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The report: a table with a line per clause and function, what a
 * difference means for dma_plx, and the same as a JSON file to attach to
 * a bug report, with the device's identity and the DPDK version.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bus_pci_driver.h>
#include <rte_bus_pci.h>
#include <rte_version.h>

#include "plx_selftest.h"

const char *
st_result_name(enum st_result r)
{
	switch (r) {
	case ST_PASS:
		return "PASS";
	case ST_DIFFERS:
		return "DIFFERS";
	case ST_SKIPPED:
		return "SKIPPED";
	}
	return "?";
}

#define ST_COLUMNS	78

/*
 * head, then text word by word, each after a space, wrapped before
 * ST_COLUMNS; continuation lines start at column indent.
 */
static void
print_wrapped(const char *head, int indent, const char *text)
{
	int col = printf("%s", head);

	while (*text != '\0') {
		int word = (int)strcspn(text, " ");

		if (col >= indent && col + 1 + word > ST_COLUMNS)
			col = printf("\n%*s", indent - 1, "") - 1;
		col += printf(" %.*s", word, text);
		text += word;
		text += strspn(text, " ");
	}
	printf("\n");
}

static void
report_dev(const struct st_dev *d)
{
	const struct rte_pci_id *id = &d->pci->id;
	unsigned int c;

	printf("\n%s  %04x:%04x revision 0x%02x (subsystem %04x:%04x)\n"
		"  on %s, BAR0 %" PRIu64 " bytes, registers %s\n", d->name,
		id->vendor_id, id->device_id, d->revision,
		id->subsystem_vendor_id, id->subsystem_device_id, d->kdrv,
		d->bar_len, d->restored ? "restored as found" :
		d->stuck ? "left (the engine did not stop)" : "not restored");
	printf("  %-16s %-8s %s\n", "clause", "result", "assumed / seen");
	for (c = 0; c < st_nb_clauses; c++) {
		const struct st_outcome *o = &d->out[c];
		char head[64];

		snprintf(head, sizeof(head), "  %-16s %-8s assumed:",
			st_clauses[c].id, st_result_name(o->res));
		print_wrapped(head, 37, st_clauses[c].assumed);
		snprintf(head, sizeof(head), "  %-16s %-8s %s", "", "",
			o->res == ST_SKIPPED ? "why:    " : "seen:   ");
		print_wrapped(head, 37, o->seen);
	}
}

/* Each clause that differs on some function, once, with its meaning. */
static void
report_meaning(const struct st_dev *devs, unsigned int n)
{
	bool any = false;
	unsigned int c, i;
	char head[64];

	for (c = 0; c < st_nb_clauses; c++) {
		for (i = 0; i < n; i++)
			if (devs[i].out[c].res == ST_DIFFERS)
				break;
		if (i == n)
			continue;
		if (!any)
			printf("\nWhat the differences mean for dma_plx "
				"(plx_hw.rst, To verify on silicon):\n");
		any = true;
		snprintf(head, sizeof(head), "  %s (%s):", st_clauses[c].id,
			st_clauses[c].label);
		print_wrapped(head, 4, st_clauses[c].if_differs);
	}
	if (!any)
		printf("\nThe silicon agrees with every assumed clause checked.\n");
}

void
st_report_table(struct st_dev *devs, unsigned int n)
{
	unsigned int i;

	printf("dpdk-plx-selftest: %u function(s), %s\n", n, rte_version());
	for (i = 0; i < n; i++)
		report_dev(&devs[i]);
	report_meaning(devs, n);
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void
json_dev(FILE *f, const struct st_dev *d)
{
	const struct rte_pci_id *id = &d->pci->id;
	unsigned int c;

	fprintf(f, "    {\n      \"pci\": ");
	json_str(f, d->name);
	fprintf(f, ",\n      \"vendor_id\": \"0x%04x\",\n"
		"      \"device_id\": \"0x%04x\",\n"
		"      \"subsystem_vendor_id\": \"0x%04x\",\n"
		"      \"subsystem_device_id\": \"0x%04x\",\n"
		"      \"class\": \"0x%06x\",\n"
		"      \"revision\": \"0x%02x\",\n"
		"      \"kernel_driver\": \"%s\",\n"
		"      \"bar0_len\": %" PRIu64 ",\n"
		"      \"registers_restored\": %s,\n"
		"      \"checks\": [\n", id->vendor_id, id->device_id,
		id->subsystem_vendor_id, id->subsystem_device_id,
		id->class_id, d->revision, d->kdrv, d->bar_len,
		d->restored ? "true" : "false");
	for (c = 0; c < st_nb_clauses; c++) {
		const struct st_outcome *o = &d->out[c];

		fprintf(f, "        { \"clause\": \"%s\", \"label\": \"%s\", "
			"\"result\": \"%s\",\n          \"assumed\": ",
			st_clauses[c].id, st_clauses[c].label,
			st_result_name(o->res));
		json_str(f, st_clauses[c].assumed);
		fprintf(f, ",\n          \"%s\": ",
			o->res == ST_SKIPPED ? "why" : "seen");
		json_str(f, o->seen);
		if (o->res == ST_DIFFERS) {
			fprintf(f, ",\n          \"meaning\": ");
			json_str(f, st_clauses[c].if_differs);
		}
		fprintf(f, " }%s\n", c + 1 < st_nb_clauses ? "," : "");
	}
	fprintf(f, "      ]\n    }");
}

int
st_report_json(const char *path, struct st_dev *devs, unsigned int n)
{
	bool differs = false;
	unsigned int i, c;
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++)
		for (c = 0; c < st_nb_clauses; c++)
			differs |= devs[i].out[c].res == ST_DIFFERS;
	fprintf(f, "{\n  \"tool\": \"dpdk-plx-selftest\",\n"
		"  \"dpdk_version\": ");
	json_str(f, rte_version());
	fprintf(f, ",\n  \"result\": \"%s\",\n  \"functions\": [\n",
		differs ? "DIFFERS" : "PASS");
	for (i = 0; i < n; i++) {
		json_dev(f, &devs[i]);
		fprintf(f, "%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	printf("\nReport written to %s\n", path);
	return 0;
}
