build2/san/lib/msg.o: user/lib/msg.c user/lib/msg.h
user/lib/msg.h:
