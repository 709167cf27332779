build2/san/cli/serve.o: user/cli/serve.c user/cli/cmd.h \
 user/deadcode/deadcode.h user/lib/htab.h user/output/format.h \
 user/collect/agent.h user/profile/profile.h include/sampler.h \
 user/profile/counters.h user/collect/caps.h user/collect/filter.h \
 user/lib/msg.h user/lib/str.h user/serve/http.h user/serve/serve.h \
 user/output/metrics.h
user/cli/cmd.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/output/format.h:
user/collect/agent.h:
user/profile/profile.h:
include/sampler.h:
user/profile/counters.h:
user/collect/caps.h:
user/collect/filter.h:
user/lib/msg.h:
user/lib/str.h:
user/serve/http.h:
user/serve/serve.h:
user/output/metrics.h:
