build2/user/deadcode/keys.o: user/deadcode/keys.c user/deadcode/keys.h \
 user/deadcode/deadcode.h user/lib/htab.h
user/deadcode/keys.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
