build2/san/lib/alloc.o: user/lib/alloc.c user/lib/alloc.h user/lib/msg.h
user/lib/alloc.h:
user/lib/msg.h:
