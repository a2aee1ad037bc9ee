# SPDX-License-Identifier: MIT
# The checkpoint converters, installed as geocl-convert-croco and
# geocl-convert-simipu with the reference modules they import (stio, the
# models' names and shapes) under $(convertmoddir); docs/checkpoints.md.
# They need Python 3 with PyTorch at run time, never to build or test geocl.
convertmoddir = $(pkgdatadir)/python
dist_convertmod_DATA = tests/gen/croco_ref.py tests/gen/dpt_ref.py tests/gen/simipu_ref.py tests/gen/stio.py \
	tests/gen/philox.py
bin_SCRIPTS = geocl-convert-croco geocl-convert-simipu
CLEANFILES += $(bin_SCRIPTS)
dist_man_MANS += docs/geocl-convert-croco.1 docs/geocl-convert-simipu.1
# the script with its MODULES line pointing at the installed modules
point_at_modules = sed -e 's|^MODULES = .*|MODULES = Path("$(convertmoddir)")|'
geocl-convert-croco: tools/convert-croco Makefile
	$(AM_V_GEN)$(point_at_modules) $(srcdir)/tools/convert-croco > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
geocl-convert-simipu: tools/convert-simipu Makefile
	$(AM_V_GEN)$(point_at_modules) $(srcdir)/tools/convert-simipu > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@
