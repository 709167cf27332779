build2/user/cli/main.o: user/cli/main.c user/cli/cmd.h \
 user/deadcode/deadcode.h user/lib/htab.h user/output/format.h
user/cli/cmd.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/output/format.h:
