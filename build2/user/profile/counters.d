build2/user/profile/counters.o: user/profile/counters.c \
 user/profile/counters.h include/sampler.h
user/profile/counters.h:
include/sampler.h:
