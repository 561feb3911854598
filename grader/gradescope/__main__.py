import sys

from grader.gradescope.autograder import main

sys.exit(main())
