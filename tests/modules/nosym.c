/* SPDX-License-Identifier: MIT */
/* Test-only shared object without the entry symbol: must be refused. */
int geocl_test_not_an_entry(void);
int geocl_test_not_an_entry(void) { return 42; }
