build2/user/cli/ignore.o: user/cli/ignore.c user/cli/cmd.h \
 user/deadcode/deadcode.h user/lib/htab.h user/output/format.h \
 user/deadcode/ignorefile.h user/lib/msg.h
user/cli/cmd.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/output/format.h:
user/deadcode/ignorefile.h:
user/lib/msg.h:
