build2/user/output/text.o: user/output/text.c user/output/text.h \
 user/output/format.h user/profile/profile.h include/sampler.h \
 user/lib/htab.h user/profile/counters.h user/lib/alloc.h user/lib/str.h \
 user/profile/aggregate.h
user/output/text.h:
user/output/format.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/lib/alloc.h:
user/lib/str.h:
user/profile/aggregate.h:
