build2/user/collect/attach.o: user/collect/attach.c user/collect/attach.h \
 user/lib/alloc.h user/lib/msg.h
user/collect/attach.h:
user/lib/alloc.h:
user/lib/msg.h:
