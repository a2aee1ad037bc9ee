dist_man_MANS += docs/geocl.1
