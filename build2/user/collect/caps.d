build2/user/collect/caps.o: user/collect/caps.c user/collect/caps.h \
 user/lib/msg.h
user/collect/caps.h:
user/lib/msg.h:
