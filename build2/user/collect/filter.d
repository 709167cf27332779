build2/user/collect/filter.o: user/collect/filter.c user/collect/filter.h \
 user/lib/alloc.h user/lib/file.h user/lib/msg.h user/lib/procfs.h \
 user/lib/str.h user/profile/profile.h include/sampler.h user/lib/htab.h \
 user/profile/counters.h
user/collect/filter.h:
user/lib/alloc.h:
user/lib/file.h:
user/lib/msg.h:
user/lib/procfs.h:
user/lib/str.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
