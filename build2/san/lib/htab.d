build2/san/lib/htab.o: user/lib/htab.c user/lib/htab.h user/lib/alloc.h
user/lib/htab.h:
user/lib/alloc.h:
