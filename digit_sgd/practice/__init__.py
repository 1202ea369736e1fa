"The exercises' machinery (`practice.exercise`) and one module of checkers per lesson (`practice.pixels`, ...)."
