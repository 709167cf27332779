build2/user/profile/aggregate.o: user/profile/aggregate.c \
 user/profile/aggregate.h user/profile/profile.h include/sampler.h \
 user/lib/htab.h user/profile/counters.h user/lib/alloc.h
user/profile/aggregate.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/lib/alloc.h:
