# SPDX-License-Identifier: MIT
# Distribution packaging, shipped in the tarball under packaging/ (never as a
# top-level debian/): docs/packaging.md.  packaging/debian goes as a whole.
EXTRA_DIST += packaging/build-deb packaging/update-symbols packaging/smoke-test packaging/rpm/geocl.spec packaging/debian

# the symbols file lists exactly what libgeocl exports
TESTS += tests/symbols.sh
EXTRA_DIST += tests/symbols.sh
