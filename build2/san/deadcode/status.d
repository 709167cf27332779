build2/san/deadcode/status.o: user/deadcode/status.c \
 user/deadcode/deadcode.h user/lib/htab.h user/deadcode/keys.h
user/deadcode/deadcode.h:
user/lib/htab.h:
user/deadcode/keys.h:
