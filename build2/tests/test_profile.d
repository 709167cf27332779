build2/tests/test_profile.o: tests/unit/test_profile.c \
 user/profile/profile.h include/sampler.h user/lib/htab.h \
 user/profile/counters.h user/profile/json.h user/output/folded.h \
 user/output/text.h user/output/format.h user/profile/aggregate.h
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/profile/json.h:
user/output/folded.h:
user/output/text.h:
user/output/format.h:
user/profile/aggregate.h:
