build2/user/profile/fold.o: user/profile/fold.c user/lib/alloc.h \
 user/profile/profile.h include/sampler.h user/lib/htab.h \
 user/profile/counters.h
user/lib/alloc.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
