build2/user/collect/child.o: user/collect/child.c user/collect/child.h \
 user/lib/msg.h
user/collect/child.h:
user/lib/msg.h:
