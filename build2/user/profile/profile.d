build2/user/profile/profile.o: user/profile/profile.c \
 user/profile/profile.h include/sampler.h user/lib/htab.h \
 user/profile/counters.h user/lib/alloc.h
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/lib/alloc.h:
