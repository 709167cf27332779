build2/san/lib/mem.o: user/lib/mem.c user/lib/mem.h user/lib/alloc.h
user/lib/mem.h:
user/lib/alloc.h:
