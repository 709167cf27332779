build2/user/output/metrics.o: user/output/metrics.c user/output/metrics.h \
 user/lib/htab.h user/profile/profile.h include/sampler.h \
 user/profile/counters.h user/deadcode/deadcode.h user/lib/alloc.h \
 user/profile/aggregate.h
user/output/metrics.h:
user/lib/htab.h:
user/profile/profile.h:
include/sampler.h:
user/profile/counters.h:
user/deadcode/deadcode.h:
user/lib/alloc.h:
user/profile/aggregate.h:
