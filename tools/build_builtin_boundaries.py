#!/usr/bin/env python3
"""Build the offline-fallback boundaries (incidents/geo/builtin/boundaries.geojson) from shared arcs.

DEV-ONLY TOOL. The Sahel Incident Monitor itself does NOT depend on shapely and
never runs this script; it only loads the generated boundaries.geojson.  Run it
by hand after editing boundaries_arcs.json, from the repository root:

    python3 -m venv /tmp/bvenv && /tmp/bvenv/bin/pip install shapely
    /tmp/bvenv/bin/python tools/build_builtin_boundaries.py

Options:
    --arcs PATH     source file (default: incidents/geo/builtin/boundaries_arcs.json)
    --out PATH      output GeoJSON (default: incidents/geo/builtin/boundaries.geojson)
    --places PATH   GeoNames-format places file to cross-check
                    (default: incidents/geo/builtin/places.tsv, if present)
    --check-only    run every check but do not write the GeoJSON
    --verbose       list the safety margin of every checkpoint

What it does (topology by construction):
  1. every border segment is an ARC written once in boundaries_arcs.json and
     shared by the two units it separates; arcs may only touch at their end
     nodes (checked);
  2. the arcs are noded and polygonized (shapely unary_union + polygonize);
  3. each face is assigned to the region whose LABEL point it contains (a face
     with zero or several labels, or a region without a face, is an error);
  4. regions are dissolved into their country;
  5. the acceptance checks run and the script exits non-zero (writing nothing)
     if any fails:
       - every arc separates exactly the two units named in its "between";
       - each region gets its face(s); regions of a country do not overlap and
         their union is the country; geometries are valid (also after rounding
         to 5 decimals in the written file, which is re-read and re-checked);
       - every CHECKPOINT below falls in its expected region;
     places.tsv rows (P and A) that fall outside their stated admin1 are only
     reported, with their distance to the stated region.
Areas are printed next to commonly published figures as an informational
sanity check (Niger's official figures are about 8% above any map-measured
area, so all its regions read low).
"""

import argparse
import csv
import json
import math
import os
import sys
from itertools import combinations

try:
    import numpy as np
    import shapely
    from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping
    from shapely.geometry.polygon import orient
    from shapely.ops import polygonize_full, unary_union
except ImportError:  # pragma: no cover - dev tool
    sys.exit("shapely >= 2.0 is required (dev-only): python3 -m venv /tmp/bvenv && "
             "/tmp/bvenv/bin/pip install shapely")
if int(shapely.__version__.split(".")[0]) < 2:  # pragma: no cover - dev tool
    sys.exit("shapely >= 2.0 is required (found %s)" % shapely.__version__)

# The built-in set this tool writes, in the app package that loads it.
HERE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "incidents", "geo", "builtin"
)
COUNTRY_CODES = ("ML", "BF", "NE")
ROUND = 5  # decimals in the output

# ---------------------------------------------------------------------------
# Acceptance checkpoints: (lat, lon, expected ISO 3166-2 code, name, why).
# The first block are the project's test cases; the rest are region capitals
# and towns close to region borders, chosen to pin the arcs down.
# ---------------------------------------------------------------------------
CHECKPOINTS = [
    # --- project test cases -------------------------------------------------
    (14.533, -4.100, "ML-5", "Sévaré", "project test case"),
    (14.350, -3.610, "ML-5", "Bandiagara", "project test case"),
    (14.440, -3.855, "ML-5", "RN15 midway Sévaré-Bandiagara", "project test case"),
    (16.878, -1.928, "ML-6", "Gourma-Rharous", "project test case; Tombouctou/Gao limit is east of it"),
    (15.820, -1.300, "ML-6", "Gossi", "project test case; Gourma-Rharous cercle"),
    (16.773, -3.007, "ML-6", "Tombouctou", "project test case"),
    (15.720, -4.910, "ML-6", "Léré", "project test case; Niafunké cercle, near Mauritania"),
    (14.484, -4.183, "ML-5", "Mopti", "project test case"),
    (15.000, -2.950, "ML-5", "Douentza", "project test case"),
    (15.075, -2.221, "ML-5", "Boni", "project test case (verified: 15°04'30\"N 2°13'16\"W, Haïré commune, Douentza cercle)"),
    (15.280, -1.700, "ML-5", "Hombori", "project test case; Douentza cercle"),
    (16.270, -0.040, "ML-7", "Gao", "project test case"),
    (15.920, 2.400, "ML-7", "Ménaka", "project test case (Ménaka cercle of pre-2016 Gao region)"),
    (15.660, 0.500, "ML-7", "Ansongo", "project test case"),
    (18.440, 1.410, "ML-8", "Kidal", "project test case"),
    (20.200, 1.010, "ML-8", "Tessalit", "project test case; close to Algeria"),
    (13.430, -6.260, "ML-4", "Ségou", "project test case"),
    (12.640, -8.000, "ML-BKO", "Bamako", "project test case"),
    (12.740, -8.070, "ML-2", "Kati", "project test case; just outside Bamako district"),
    (14.450, -11.440, "ML-1", "Kayes", "project test case"),
    (11.320, -5.670, "ML-3", "Sikasso", "project test case"),
    (14.100, -1.630, "BF-12", "Djibo", "project test case"),
    (14.030, -0.030, "BF-12", "Dori", "project test case"),
    (13.376, 0.457, "BF-12", "Solhan", "project test case (verified: 13°22'34\"N 0°27'26\"E, Yagha province)"),
    (13.420, -1.060, "BF-05", "Barsalogho", "project test case; Sanmatenga, south of the Sahel limit"),
    (13.090, -1.080, "BF-05", "Kaya", "project test case"),
    (13.580, -2.420, "BF-10", "Ouahigouya", "project test case"),
    (12.370, -1.520, "BF-03", "Ouagadougou", "project test case"),
    (12.060, 0.360, "BF-08", "Fada N'Gourma", "project test case"),
    (11.180, -4.300, "BF-09", "Bobo-Dioulasso", "project test case"),
    (13.510, 2.110, "NE-8", "Niamey", "project test case"),
    (14.210, 1.450, "NE-6", "Tillabéri", "project test case"),
    (14.730, 0.920, "NE-6", "Ayorou", "project test case; Niger river, near Mali"),
    (15.231, 1.314, "NE-6", "Inatès", "project test case (verified: 15°13'53\"N 1°18'51\"E, a few km from Mali)"),
    (14.890, 5.270, "NE-5", "Tahoua", "project test case"),
    (16.970, 7.990, "NE-1", "Agadez", "project test case"),
    (13.800, 8.990, "NE-7", "Zinder", "project test case"),
    (13.310, 12.610, "NE-2", "Diffa", "project test case; Komadugu Yobe border just south"),
    (13.500, 7.100, "NE-4", "Maradi", "project test case"),
    (13.050, 3.190, "NE-3", "Dosso", "project test case"),
    # --- remaining region capitals ---------------------------------------------
    (12.860, -7.560, "ML-2", "Koulikoro", "region capital"),
    (12.460, -3.460, "BF-01", "Dédougou", "region capital"),
    (10.630, -4.760, "BF-02", "Banfora", "region capital"),
    (11.780, -0.370, "BF-04", "Tenkodogo", "region capital"),
    (12.250, -2.360, "BF-06", "Koudougou", "region capital"),
    (11.660, -1.070, "BF-07", "Manga", "region capital"),
    (12.580, -1.300, "BF-11", "Ziniaré", "region capital"),
    (10.330, -3.180, "BF-13", "Gaoua", "region capital"),
    # --- Mali: towns near region limits ---------------------------------------
    (13.910, -4.550, "ML-5", "Djenné", "Mopti region; Ségou limit runs west/south of the Djenné cercle"),
    (13.300, -4.900, "ML-4", "San", "Ségou region; south of the Mopti limit"),
    (13.286, -4.390, "ML-4", "Tominian", "Ségou region; close to Mopti and Burkina"),
    (13.960, -5.360, "ML-4", "Macina", "Ségou region; west of the Mopti (Ténenkou) limit"),
    (14.460, -4.920, "ML-5", "Ténenkou", "Mopti region; east of the Ségou (Niono) limit"),
    (15.370, -4.260, "ML-5", "Youwarou", "Mopti region; just south of the Tombouctou limit"),
    (15.930, -3.990, "ML-6", "Niafunké", "Tombouctou region; north of the Mopti limit"),
    (14.070, -3.520, "ML-5", "Bankass", "Mopti region; close to Burkina"),
    (14.080, -3.080, "ML-5", "Koro", "Mopti region; a few km from Burkina"),
    (14.690, -6.020, "ML-4", "Diabaly", "Ségou region (Niono cercle); east of the Koulikoro limit"),
    (14.250, -5.990, "ML-4", "Niono", "Ségou region"),
    (15.170, -7.280, "ML-2", "Nara", "Koulikoro region; west of the Ségou limit"),
    (13.550, -7.450, "ML-2", "Banamba", "Koulikoro region"),
    (13.570, -8.030, "ML-2", "Kolokani", "Koulikoro region; east of the Kayes limit"),
    (13.030, -9.490, "ML-1", "Kita", "Kayes region; west of the Koulikoro limit"),
    (14.540, -9.180, "ML-1", "Diéma", "Kayes region"),
    (15.230, -9.590, "ML-1", "Nioro du Sahel", "Kayes region; close to Mauritania"),
    (12.840, -11.240, "ML-1", "Kéniéba", "Kayes region; south-west corner near the Falémé"),
    (11.940, -8.410, "ML-2", "Kangaba", "Koulikoro region; close to Guinea"),
    (11.990, -7.920, "ML-2", "Ouéléssébougou", "Koulikoro region (Kati cercle); north of the Sikasso limit"),
    (11.420, -7.480, "ML-3", "Bougouni", "Sikasso region"),
    (12.390, -5.460, "ML-3", "Koutiala", "Sikasso region"),
    (12.360, -4.780, "ML-3", "Yorosso", "Sikasso region; close to Burkina"),
    (12.950, -5.760, "ML-4", "Bla", "Ségou region; north of the Sikasso limit"),
    (12.490, -6.790, "ML-2", "Dioïla", "Koulikoro region"),
    (15.830, -2.400, "ML-6", "Bambara Maoundé", "Tombouctou region (Gourma-Rharous cercle) north of the Douentza cercle"),
    (17.030, -1.400, "ML-7", "Bamba", "Gao region (Bourem cercle); east of the Tombouctou limit"),
    (16.950, -0.350, "ML-7", "Bourem", "Gao region"),
    (15.423, 3.023, "ML-7", "Andéramboukane", "Gao region (Ménaka cercle); on the Niger border (15°25'21\"N 3°01'24\"E)"),
    (19.460, 0.860, "ML-8", "Aguelhok", "Kidal region"),
    # --- Burkina Faso: towns near region limits --------------------------------
    (14.967, -0.163, "BF-12", "Tin-Akoff", "Sahel region; a few km from Mali (14°58'01\"N 0°09'46\"W)"),
    (14.440, -0.240, "BF-12", "Gorom-Gorom", "Sahel region"),
    (14.650, 0.040, "BF-12", "Markoye", "Sahel region; near Niger and Mali"),
    (14.230, -0.870, "BF-12", "Arbinda", "Sahel region; north of the Centre-Nord limit"),
    (13.440, 0.530, "BF-12", "Sebba", "Sahel region (Yagha); north of the Est limit"),
    (13.670, -1.550, "BF-05", "Bourzanga", "Centre-Nord region (Bam); south of the Sahel limit"),
    (13.330, -1.530, "BF-05", "Kongoussi", "Centre-Nord region"),
    (13.570, -0.260, "BF-05", "Yalgo", "Centre-Nord region (Namentenga); just south of the Sahel limit"),
    (12.660, -0.570, "BF-05", "Boulsa", "Centre-Nord region"),
    (13.770, -2.070, "BF-10", "Titao", "Nord region; west of the Sahel and Centre-Nord limits"),
    (13.440, -1.970, "BF-10", "Séguénéga", "Nord region; close to Centre-Nord"),
    (12.960, -2.260, "BF-10", "Yako", "Nord region"),
    (13.210, -2.360, "BF-10", "Gourcy", "Nord region"),
    (13.070, -3.070, "BF-01", "Tougan", "Boucle du Mouhoun region"),
    (12.760, -2.890, "BF-01", "Toma", "Boucle du Mouhoun region; west of Nord/Centre-Ouest"),
    (11.750, -2.930, "BF-01", "Boromo", "Boucle du Mouhoun region; west of Centre-Ouest"),
    (12.730, -3.860, "BF-01", "Nouna", "Boucle du Mouhoun region"),
    (12.180, -4.080, "BF-01", "Solenzo", "Boucle du Mouhoun region; north of Hauts-Bassins"),
    (11.500, -3.520, "BF-09", "Houndé", "Hauts-Bassins region; south of the Boucle du Mouhoun limit"),
    (10.980, -4.910, "BF-09", "Orodara", "Hauts-Bassins region; north of the Cascades limit"),
    (10.670, -5.170, "BF-02", "Sindou", "Cascades region"),
    (10.280, -4.920, "BF-02", "Niangoloko", "Cascades region; close to Côte d'Ivoire"),
    (10.970, -3.250, "BF-13", "Diébougou", "Sud-Ouest region"),
    (11.150, -3.060, "BF-13", "Dano", "Sud-Ouest region; close to Boucle du Mouhoun/Centre-Ouest"),
    (9.880, -2.920, "BF-13", "Batié", "Sud-Ouest region; Black Volta border east of it"),
    (11.100, -2.100, "BF-06", "Léo", "Centre-Ouest region; close to Ghana"),
    (11.550, -1.770, "BF-06", "Sapouy", "Centre-Ouest region; west of Centre-Sud"),
    (12.320, -2.470, "BF-06", "Réo", "Centre-Ouest region"),
    (11.170, -1.150, "BF-07", "Pô", "Centre-Sud region; close to Ghana"),
    (12.070, -1.330, "BF-07", "Kombissiri", "Centre-Sud region; south of Centre"),
    (11.100, -0.960, "BF-07", "Tiébélé", "Centre-Sud region; west of Centre-Est"),
    (12.180, -0.350, "BF-04", "Koupéla", "Centre-Est region"),
    (12.250, -0.430, "BF-04", "Pouytenga", "Centre-Est region; east of Plateau-Central"),
    (11.800, -0.550, "BF-04", "Garango", "Centre-Est region"),
    (11.520, 0.060, "BF-04", "Ouargaye", "Centre-Est region; west of Est"),
    (12.250, -0.620, "BF-11", "Zorgho", "Plateau-Central region"),
    (12.660, -1.890, "BF-11", "Boussé", "Plateau-Central region; north-west of Centre"),
    (12.980, -0.140, "BF-08", "Bogandé", "Est region; east of Centre-Nord"),
    (12.650, 0.490, "BF-08", "Gayéri", "Est region; south of Sahel"),
    (12.070, 1.780, "BF-08", "Diapaga", "Est region"),
    (12.477, 1.517, "BF-08", "Kantchari", "Est region; close to Niger"),
    (11.250, 0.700, "BF-08", "Pama", "Est region"),
    # --- Niger: towns near region limits --------------------------------------
    (14.010, 0.750, "NE-6", "Téra", "Tillabéri region; close to Burkina"),
    (13.110, 1.790, "NE-6", "Torodi", "Tillabéri region; close to Burkina"),
    (12.833, 1.683, "NE-6", "Makalondi", "Tillabéri region; border post to Burkina (12°50'N 1°41'E)"),
    (12.756, 2.177, "NE-6", "Tamou", "Tillabéri region; W-park corner (12°45'20\"N 2°10'37\"E)"),
    (13.100, 2.360, "NE-6", "Say", "Tillabéri region; right bank of the Niger"),
    (13.310, 2.340, "NE-6", "Kollo", "Tillabéri region; west of the Dosso limit"),
    (14.320, 2.090, "NE-6", "Ouallam", "Tillabéri region"),
    (14.350, 3.320, "NE-6", "Filingué", "Tillabéri region; north of the Dosso limit"),
    (15.041, 2.701, "NE-6", "Banibangou", "Tillabéri region; close to Mali"),
    (13.090, 2.920, "NE-3", "Birni N'Gaouré", "Dosso region; east of the Tillabéri limit"),
    (13.640, 4.030, "NE-3", "Dogondoutchi", "Dosso region; west of Tahoua"),
    (11.884, 3.447, "NE-3", "Gaya", "Dosso region; left bank of the Niger facing Malanville"),
    (13.620, 3.230, "NE-3", "Loga", "Dosso region"),
    (13.790, 5.250, "NE-5", "Birni N'Konni", "Tahoua region; on the Nigeria border"),
    (14.070, 5.950, "NE-5", "Madaoua", "Tahoua region; west of Maradi"),
    (14.420, 6.040, "NE-5", "Bouza", "Tahoua region; west of Maradi"),
    (15.460, 6.280, "NE-5", "Abalak", "Tahoua region; south of Agadez"),
    (15.900, 5.800, "NE-5", "Tchintabaraden", "Tahoua region"),
    (14.511, 6.765, "NE-4", "Dakoro", "Maradi region; east of Tahoua"),
    (13.760, 7.990, "NE-4", "Tessaoua", "Maradi region; west of Zinder"),
    (13.660, 6.700, "NE-4", "Guidan Roumdji", "Maradi region"),
    (13.420, 8.480, "NE-7", "Matamèye", "Zinder region; east of Maradi"),
    (12.990, 8.910, "NE-7", "Magaria", "Zinder region; close to Nigeria"),
    (14.970, 8.870, "NE-7", "Tanout", "Zinder region; south of Agadez"),
    (13.980, 10.270, "NE-7", "Gouré", "Zinder region; west of Diffa"),
    (13.710, 11.190, "NE-2", "Goudoumaria", "Diffa region; east of Zinder"),
    (13.220, 11.980, "NE-2", "Maïné-Soroa", "Diffa region; close to Nigeria"),
    (14.250, 13.110, "NE-2", "N'Guigmi", "Diffa region; near Lake Chad"),
    (13.700, 13.310, "NE-2", "Bosso", "Diffa region; Komadugu Yobe / Lake Chad"),
    (15.620, 7.930, "NE-1", "Aderbissinat", "Agadez region; north of Zinder/Maradi"),
    (16.780, 6.920, "NE-1", "Ingall", "Agadez region; east of Tahoua"),
    (18.740, 7.390, "NE-1", "Arlit", "Agadez region"),
    (18.690, 12.920, "NE-1", "Bilma", "Agadez region"),
    # --- villages and communes checked against public encyclopedia pages (coordinates and
    #     attachment); they pin the limits where the first draft was 5-15 km off

    (13.3031, -2.2408, "BF-10", "Sompéla", "Bassi dept, Zondoma; coordinates from its public encyclopedia page"),
    (13.0308, -1.8469, "BF-10", "Koulwéogo", "Bokin dept, Passoré; close to Centre-Nord; coordinates from its public encyclopedia page"),
    (13.4053, -1.6861, "BF-05", "Lourgou", "Kongoussi dept, Bam; close to Nord; coordinates from its public encyclopedia page"),
    (13.2553, -1.6344, "BF-05", "Soukoundougou", "Tikaré dept, Bam; coordinates from its public encyclopedia page"),
    (12.7350, -1.0581, "BF-05", "Sabouri-Natenga", "Korsimoro dept, Sanmatenga; close to Plateau-Central; coordinates from its public encyclopedia page"),
    (13.7144, -1.1797, "BF-05", "Dablo", "Dablo dept, Sanmatenga; close to Sahel; coordinates from its public encyclopedia page"),
    (13.8544, -0.9308, "BF-05", "Foubé", "Barsalogho dept, Sanmatenga; last village before Soum; coordinates from its public encyclopedia page"),
    (13.6475, -0.8067, "BF-05", "Pensa", "Pensa dept, Sanmatenga; coordinates from its public encyclopedia page"),
    (13.6292, -0.7458, "BF-05", "Barga-Peulh", "Bouroum dept, Namentenga; coordinates from its public encyclopedia page"),
    (13.4242, -0.3200, "BF-05", "Gouengo", "Yalgo dept, Namentenga; close to Est; coordinates from its public encyclopedia page"),
    (13.3314, -0.5703, "BF-05", "Yoada", "Tougouri dept, Namentenga; coordinates from its public encyclopedia page"),
    (12.6969, -0.6272, "BF-05", "Kogonéré", "Boulsa dept, Namentenga; close to Plateau-Central; coordinates from its public encyclopedia page"),
    (12.9558, -1.2900, "BF-05", "Zourtenga", "Korsimoro dept, Sanmatenga; coordinates from its public encyclopedia page"),
    (12.9747, -0.7189, "BF-05", "Wilbouma", "Boala dept, Namentenga; coordinates from its public encyclopedia page"),
    (12.7000, -2.0917, "BF-10", "Dana", "Pilimpikou dept, Passoré; close to Centre-Ouest; coordinates from its public encyclopedia page"),
    (12.8222, -2.4669, "BF-10", "Titon", "Lâ-Todin dept, Passoré; coordinates from its public encyclopedia page"),
    (12.9672, -1.9956, "BF-10", "Kapon", "Kirsi dept, Passoré; coordinates from its public encyclopedia page"),
    (13.3731, -1.8986, "BF-10", "Kossouka", "Kossouka dept, Yatenga; close to Centre-Nord; coordinates from its public encyclopedia page"),
    (13.4503, -2.0461, "BF-10", "Tougouya", "Séguénéga dept, Yatenga; coordinates from its public encyclopedia page"),
    (13.4483, -2.6639, "BF-10", "Guessoum", "Zogoré dept, Yatenga; close to Boucle du Mouhoun; coordinates from its public encyclopedia page"),
    (13.1033, -2.6008, "BF-10", "Bangassé", "Boussou dept, Zondoma; close to Boucle du Mouhoun; coordinates from its public encyclopedia page"),
    (13.8022, -2.6569, "BF-10", "Thiou", "Thiou dept, Yatenga; near Mali; coordinates from its public encyclopedia page"),
    (13.6200, -3.1397, "BF-01", "Loroni", "Toéni dept, Sourou; near Mali; coordinates from its public encyclopedia page"),
    (12.6592, -2.5142, "BF-06", "Imouga", "Didyr dept, Sanguié; coordinates from its public encyclopedia page"),
    (12.3606, -1.9739, "BF-11", "Sandogo", "Sourgoubila dept, Kourwéogo; west of Kadiogo; coordinates from its public encyclopedia page"),
    (13.3161, -0.1922, "BF-08", "Gongorgou", "Manni dept, Gnagna; close to Centre-Nord; coordinates from its public encyclopedia page"),
    (11.9350, 1.4972, "BF-08", "Kalbouli", "Partiaga dept, Tapoa; coordinates from its public encyclopedia page"),
    (11.1578, 0.8392, "BF-08", "Nadiagou", "Pama dept, Kompienga; near Benin/Togo; coordinates from its public encyclopedia page"),
    (11.5097, -3.3950, "BF-09", "Dossi", "Boni dept, Tuy; close to Boucle du Mouhoun; coordinates from its public encyclopedia page"),
    (10.9644, -5.2336, "BF-09", "Kangala", "Kangala dept, Kénédougou; close to Cascades; coordinates from its public encyclopedia page"),
    (11.3942, -4.9369, "BF-09", "Samorogouan", "Kénédougou; near Mali; coordinates from its public encyclopedia page"),
    (10.0044, -3.4544, "BF-13", "Dindou", "Kampti dept, Poni; near Côte d'Ivoire; coordinates from its public encyclopedia page"),
    (9.5114, -2.7611, "BF-13", "Kpuéré", "Noumbiel; southern tip between Côte d'Ivoire and Ghana; coordinates from its public encyclopedia page"),
    (15.2258, 3.0019, "NE-6", "Chinégodar", "Ouallam dept, Tillabéri; near Mali; position as given in places.tsv"),
    (13.2586, 2.8414, "NE-3", "Harikanassou", "Boboye dept, Dosso; close to Tillabéri; coordinates from its public encyclopedia page"),
    (15.1842, 0.7217, "ML-7", "Ouatagouna", "Ansongo cercle, Gao; near Niger; coordinates from its public encyclopedia page"),
    (12.5856, -9.5031, "ML-1", "Gallé", "Kita cercle, Kayes; coordinates from its public encyclopedia page"),
    (14.8350, 3.9164, "NE-6", "Sanam", "Abala dept, Tillabéri; west of Tahoua; coordinates from its public encyclopedia page"),
    (14.6361, 4.3489, "NE-5", "Bagaroua", "Bagaroua dept, Tahoua; east of Tillabéri and Dosso; coordinates from its public encyclopedia page"),
    (14.4519, -2.2419, "ML-5", "Dinangourou", "Koro cercle, Mopti; borders Burkina to the south; coordinates from its public encyclopedia page"),
    (15.1331, -3.4894, "ML-5", "Boré (Dangol-Boré)", "Douentza cercle, Mopti; south of the Tombouctou limit; coordinates from its public encyclopedia page"),
    (13.8000, -4.4000, "ML-5", "Madiama", "Djenné cercle, Mopti; north of the Ségou limit; coordinates from its public encyclopedia page"),
    (19.9628, 2.8828, "ML-8", "Tinzaouaten", "Abeïbara cercle, Kidal; Malian twin of Algerian Tin Zaouatine; position as given in places.tsv"),
]

# Reference areas (km2) commonly published for these units; used only as an
# informational sanity check of the compiled shapes (tolerance printed).
REFERENCE_AREAS = {
    "ML-1": 119743, "ML-2": 95848, "ML-3": 71790, "ML-4": 64821, "ML-5": 79017,
    "ML-6": 496611, "ML-7": 170572, "ML-8": 151430, "ML-BKO": 252,
    "BF-01": 34497, "BF-02": 18424, "BF-03": 2805, "BF-04": 14657, "BF-05": 19508,
    "BF-06": 21752, "BF-07": 11457, "BF-08": 46807, "BF-09": 25479, "BF-10": 16414,
    "BF-11": 8545, "BF-12": 35360, "BF-13": 16533,
    "NE-1": 667799, "NE-2": 156906, "NE-3": 31002, "NE-4": 41796, "NE-5": 113371,
    "NE-6": 97251, "NE-7": 155778, "NE-8": 255,
    "ML": 1240192, "BF": 274200, "NE": 1267000,
}

EARTH_R_KM = 6378.137


class BuildError(Exception):
    pass


# --------------------------------------------------------------------------- helpers
def ring_area_km2(coords):
    """Spherical area of a lon/lat ring (Chamberlain & Duquette), km2, signed."""
    total = 0.0
    n = len(coords)
    if n < 3:
        return 0.0
    for i in range(n - 1):
        lon1, lat1 = coords[i]
        lon2, lat2 = coords[i + 1]
        total += math.radians(lon2 - lon1) * (2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2)))
    return total * EARTH_R_KM * EARTH_R_KM / 2.0


def geom_area_km2(geom):
    polys = geom.geoms if hasattr(geom, "geoms") else [geom]
    total = 0.0
    for p in polys:
        total += abs(ring_area_km2(list(p.exterior.coords)))
        for hole in p.interiors:
            total -= abs(ring_area_km2(list(hole.coords)))
    return total


def distance_km(geom, lon, lat):
    """Planar distance in km after a local equirectangular projection around (lon, lat)."""
    scale = np.array([111.32 * math.cos(math.radians(lat)), 110.57])
    projected = shapely.transform(geom, lambda c: c * scale)
    return projected.distance(Point(lon * scale[0], lat * scale[1]))


def as_multipolygon(geom):
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon):
        raise BuildError("unexpected geometry type %s" % geom.geom_type)
    return MultiPolygon([orient(p, 1.0) for p in geom.geoms])


def round_geom(geom, nd=ROUND):
    return shapely.transform(geom, lambda c: np.round(c, nd))


def count_vertices(geom):
    polys = geom.geoms if hasattr(geom, "geoms") else [geom]
    n = 0
    for p in polys:
        n += len(p.exterior.coords) - 1
        for h in p.interiors:
            n += len(h.coords) - 1
    return n


# --------------------------------------------------------------------------- build
def load_source(path):
    with open(path, encoding="utf-8") as fh:
        src = json.load(fh)
    nodes = {k: tuple(v) for k, v in src["nodes"].items()}
    regions = {r["code"]: r for r in src["regions"]}
    countries = {c["code"]: c for c in src["countries"]}
    return src, nodes, regions, countries


def build_arcs(src, nodes, errors):
    arcs = []
    used_nodes = set()
    for a in src["arcs"]:
        for end in ("from", "to"):
            if a[end] not in nodes:
                errors.append("arc %s: unknown node %s" % (a["id"], a[end]))
        if errors:
            continue
        coords = [nodes[a["from"]]] + [tuple(c) for c in a["via"]] + [nodes[a["to"]]]
        used_nodes.update((a["from"], a["to"]))
        line = LineString(coords)
        if a["from"] == a["to"] and len(coords) < 4:
            errors.append("closed arc %s needs at least 3 distinct points" % a["id"])
        if not line.is_simple:
            errors.append("arc %s is not simple (self-intersects)" % a["id"])
        arcs.append((a, line))
    unused = set(nodes) - used_nodes
    if unused:
        errors.append("nodes not used by any arc: %s" % ", ".join(sorted(unused)))
    # arcs may only meet at shared end nodes
    for (a1, l1), (a2, l2) in combinations(arcs, 2):
        if not l1.intersects(l2):
            continue
        inter = l1.intersection(l2)
        ends = {Point(c) for c in (l1.coords[0], l1.coords[-1])} & {Point(c) for c in (l2.coords[0], l2.coords[-1])}
        allowed = unary_union(list(ends)) if ends else None
        rest = inter if allowed is None else inter.difference(allowed.buffer(1e-9))
        if not rest.is_empty:
            errors.append("arcs %s and %s cross/touch away from shared nodes near %s"
                          % (a1["id"], a2["id"], rest.representative_point().coords[0]))
    return arcs


def polygonize_regions(arcs, regions, errors):
    merged = unary_union([line for _, line in arcs])
    faces, dangles, cuts, invalid = polygonize_full(merged)
    for kind, g in (("dangling arc", dangles), ("cut edge", cuts), ("invalid ring", invalid)):
        for part in getattr(g, "geoms", []):
            errors.append("%s near %s (an arc end is not connected to a node)"
                          % (kind, part.representative_point().coords[0]))
    labels = {code: Point(r["label"]) for code, r in regions.items()}
    region_faces = {code: [] for code in regions}
    for face in faces.geoms:
        inside = [code for code, pt in labels.items() if face.contains(pt)]
        if len(inside) != 1:
            errors.append("face at %s contains %d label points (%s); expected exactly one"
                          % (tuple(round(c, 3) for c in face.representative_point().coords[0]),
                             len(inside), ", ".join(inside) or "none"))
            continue
        region_faces[inside[0]].append(face)
    geoms = {}
    polygonize_regions.faces = {code: len(fl) for code, fl in region_faces.items()}
    for code, fl in region_faces.items():
        if not fl:
            errors.append("region %s got no face (label point %s outside every face?)"
                          % (code, regions[code]["label"]))
            continue
        geoms[code] = unary_union(fl)
    return geoms


def check_arc_sides(arcs, geoms, errors):
    """Each arc must separate exactly the two units listed in 'between'."""
    eps = 0.004  # degrees (~400 m) either side of the arc
    for a, line in arcs:
        coords = list(line.coords)
        # pick the longest segment to probe
        best = max(range(len(coords) - 1),
                   key=lambda i: (coords[i + 1][0] - coords[i][0]) ** 2 + (coords[i + 1][1] - coords[i][1]) ** 2)
        (x1, y1), (x2, y2) = coords[best], coords[best + 1]
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        dx, dy = x2 - x1, y2 - y1
        n = math.hypot(dx, dy)
        nx, ny = -dy / n, dx / n
        found = []
        for s in (1, -1):
            p = Point(mx + s * eps * nx, my + s * eps * ny)
            hit = [c for c, g in geoms.items() if g.contains(p)]
            found.append(hit[0] if len(hit) == 1 else ("?" if hit else None))
        want = set(a["between"])
        got_units = {f for f in found if f is not None}
        ours = {u for u in want if u.split("-")[0] in COUNTRY_CODES and "-" in u}
        foreign = want - ours
        ok = got_units == ours and (len(ours) == 2 or (len(ours) == 1 and None in found and foreign))
        if not ok:
            errors.append("arc %s declared between %s but separates %s"
                          % (a["id"], sorted(want), [f or "outside" for f in found]))


def check_partition(geoms, regions, errors, report):
    countries = {}
    for cc in COUNTRY_CODES:
        codes = [c for c in geoms if c.startswith(cc + "-")]
        for c in codes:
            if not geoms[c].is_valid:
                errors.append("region %s geometry invalid" % c)
        for c1, c2 in combinations(codes, 2):
            ov = geoms[c1].intersection(geoms[c2])
            a = geom_area_km2(ov) if not ov.is_empty and ov.area > 0 else 0.0
            if a > 0.01:
                errors.append("regions %s and %s overlap by %.3f km2" % (c1, c2, a))
        union = unary_union([geoms[c] for c in codes])
        if not union.is_valid:
            errors.append("country %s union invalid" % cc)
        parts_area = sum(geom_area_km2(geoms[c]) for c in codes)
        union_area = geom_area_km2(union)
        if abs(parts_area - union_area) > 0.5:
            errors.append("country %s: sum of region areas %.1f != union area %.1f" % (cc, parts_area, union_area))
        countries[cc] = union
        report.append("  %s: %d regions, union %.0f km2 (sum of regions %.0f km2), %d outline vertices"
                      % (cc, len(codes), union_area, parts_area, count_vertices(union)))
    # countries must not overlap each other either
    for c1, c2 in combinations(COUNTRY_CODES, 2):
        ov = countries[c1].intersection(countries[c2])
        if not ov.is_empty and ov.area > 0 and geom_area_km2(ov) > 0.01:
            errors.append("countries %s and %s overlap" % (c1, c2))
    return countries


def locate(geoms, lon, lat):
    p = Point(lon, lat)
    hits = [c for c, g in geoms.items() if g.covers(p)]
    return hits


def check_points(geoms, errors, report, verbose):
    fails = 0
    for lat, lon, want, name, why in CHECKPOINTS:
        hits = locate(geoms, lon, lat)
        got = hits[0] if len(hits) == 1 else (",".join(hits) or "none")
        margin = distance_km(geoms[want].boundary, lon, lat) if want in geoms else float("nan")
        ok = got == want
        if not ok:
            fails += 1
            errors.append("checkpoint %s (%.3f, %.3f) expected %s, got %s" % (name, lat, lon, want, got))
        if verbose or not ok:
            report.append("  %-4s %-32s %-7s got %-7s margin %6.1f km  (%s)"
                          % ("ok" if ok else "FAIL", name, want, got, margin, why))
    report.append("  checkpoints: %d/%d passed" % (len(CHECKPOINTS) - fails, len(CHECKPOINTS)))


def normalise_admin1(cc, a1):
    a1 = (a1 or "").strip()
    if not a1:
        return None
    if a1.upper() == "BKO":
        return "ML-BKO"
    if a1.isdigit():
        return "%s-%02d" % (cc, int(a1)) if cc == "BF" else "%s-%d" % (cc, int(a1))
    return "%s-%s" % (cc, a1)


def check_places(path, geoms, report):
    if not path or not os.path.exists(path):
        report.append("  places file %s not present: skipped" % path)
        return []
    rows = 0
    outside = []
    with open(path, encoding="utf-8") as fh:
        for line_no, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if len(row) < 11 or row[0].startswith("#"):
                continue
            fclass, cc = row[6].strip(), row[8].strip().upper()
            if fclass not in ("P", "A") or cc not in COUNTRY_CODES:
                continue
            try:
                lat, lon = float(row[4]), float(row[5])
            except ValueError:
                continue
            want = normalise_admin1(cc, row[10])
            rows += 1
            hits = locate(geoms, lon, lat)
            got = hits[0] if len(hits) == 1 else (",".join(hits) or "none")
            if want is None:
                if not got.startswith(cc + "-"):
                    outside.append((row[1], cc + "-?", got, lat, lon, float("nan"), line_no))
                continue
            if got != want:
                d = distance_km(geoms[want], lon, lat) if want in geoms else float("nan")
                outside.append((row[1], want, got, lat, lon, d, line_no))
    report.append("  places.tsv: %d P/A rows in ML/BF/NE checked, %d outside their stated region"
                  % (rows, len(outside)))
    for name, want, got, lat, lon, d, ln in sorted(outside, key=lambda r: -(r[5] if r[5] == r[5] else 1e9)):
        report.append("    line %5d  %-28s stated %-7s falls in %-7s (%.4f, %.4f)  %.1f km from stated region"
                      % (ln, name[:28], want, got, lat, lon, d))
    return outside


def write_geojson(path, geoms, countries, regions, src_countries, src):
    feats = []
    for cc in COUNTRY_CODES:
        c = src_countries[cc]
        g = as_multipolygon(round_geom(countries[cc]))
        feats.append({"type": "Feature",
                      "properties": {"level": 0, "country_code": cc, "code": cc,
                                     "name_en": c["name_en"], "name_fr": c["name_fr"], "parent_code": None},
                      "geometry": mapping(g)})
        for code in sorted((k for k in geoms if k.startswith(cc + "-")),
                           key=lambda k: (len(k.split("-")[1]) > 2 and not k.split("-")[1].isdigit(),
                                          int(k.split("-")[1]) if k.split("-")[1].isdigit() else 999)):
            r = regions[code]
            g = as_multipolygon(round_geom(geoms[code]))
            feats.append({"type": "Feature",
                          "properties": {"level": 1, "country_code": cc, "code": code,
                                         "name_en": r["name_en"], "name_fr": r["name_fr"], "parent_code": cc},
                          "geometry": mapping(g)})
    fc = {"type": "FeatureCollection",
          "metadata": {
              "source": "Compiled by the Sahel Incident Monitor project team as an offline fallback: shared arcs "
                        "(boundaries_arcs.json) built by build_boundaries.py. Drawn from the team's geographic "
                        "knowledge, published descriptions of the international borders (incl. the ICJ judgments "
                        "of 1986 Burkina Faso/Mali and 2013 Burkina Faso/Niger), published region extents and town "
                        "and village positions checked against public encyclopedia pages. No boundary dataset file "
                        "was opened, extracted or traced. See BOUNDARIES.md.",
              "compiled": src.get("compiled", "2026-11-24"),
              "licence": "CC BY 4.0",
              "accuracy": "approximate; use only when real boundaries are unavailable. International borders: "
                          "about 3-15 km in inhabited areas, up to 20-30 km along remote desert lines. Region "
                          "limits: about 5-15 km where checked against villages (central Mali, most of Burkina "
                          "Faso, south-west Niger), 20-40 km in the Sahara (Tombouctou/Kidal/Gao, Agadez/Diffa/"
                          "Zinder). Towns and their immediate surroundings resolve to the right region.",
          },
          "features": feats}

    def tidy(o):
        if isinstance(o, float):
            return round(o, ROUND)
        if isinstance(o, (list, tuple)):
            return [tidy(x) for x in o]
        if isinstance(o, dict):
            return {k: tidy(v) for k, v in o.items()}
        return o
    fc = tidy(fc)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(fc, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    return fc


def verify_output(path, errors):
    from shapely.geometry import shape
    with open(path, encoding="utf-8") as fh:
        fc = json.load(fh)
    for f in fc["features"]:
        g = shape(f["geometry"])
        if g.geom_type != "MultiPolygon":
            errors.append("output %s is %s" % (f["properties"]["code"], g.geom_type))
        if not g.is_valid:
            errors.append("output %s invalid after rounding" % f["properties"]["code"])
        for ring in (c for poly in f["geometry"]["coordinates"] for c in poly):
            for x, y in ring:
                if round(x, ROUND) != x or round(y, ROUND) != y:
                    errors.append("output %s has more than %d decimals" % (f["properties"]["code"], ROUND))
                    return


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arcs", default=os.path.join(HERE, "boundaries_arcs.json"))
    ap.add_argument("--out", default=os.path.join(HERE, "boundaries.geojson"))
    ap.add_argument("--places", default=os.path.join(HERE, "places.tsv"))
    ap.add_argument("--check-only", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    errors, report = [], []
    src, nodes, regions, src_countries = load_source(args.arcs)
    arcs = build_arcs(src, nodes, errors)
    if errors:
        print("\n".join("ERROR: " + e for e in errors))
        return 1
    geoms = polygonize_regions(arcs, regions, errors)
    if errors:
        print("\n".join("ERROR: " + e for e in errors))
        return 1
    check_arc_sides(arcs, geoms, errors)

    report.append("Check 1 - partition (regions tile their country, no overlaps):")
    multi = {c: n for c, n in polygonize_regions.faces.items() if n != 1}
    report.append("  %d regions, each assigned its face(s) by exactly one label point%s"
                  % (len(geoms), (" (several faces: %s)" % multi) if multi else " (one face each)"))
    countries = check_partition(geoms, regions, errors, report)
    report.append("Areas (km2, spherical) vs commonly published figures (informational):")
    for code in sorted(geoms, key=lambda c: (c.split("-")[0], c)):
        a = geom_area_km2(geoms[code])
        ref = REFERENCE_AREAS.get(code)
        report.append("  %-7s %-18s %9.0f  ref %9s  %+5.0f%%  vertices %4d"
                      % (code, regions[code]["name_fr"], a, ref or "-", 100.0 * (a - ref) / ref if ref else 0,
                         count_vertices(geoms[code])))
    for cc in COUNTRY_CODES:
        a = geom_area_km2(countries[cc])
        ref = REFERENCE_AREAS[cc]
        report.append("  %-7s %-18s %9.0f  ref %9s  %+5.0f%%" % (cc, "(country)", a, ref, 100.0 * (a - ref) / ref))
    report.append("Check 2 - checkpoints:")
    check_points(geoms, errors, report, args.verbose)
    report.append("Check 3 - places file:")
    check_places(args.places, geoms, report)

    if not errors and not args.check_only:
        write_geojson(args.out, geoms, countries, regions, src_countries, src)
        verify_output(args.out, errors)
        size = os.path.getsize(args.out)
        report.append("Wrote %s (%d features, %.1f KB)" % (args.out, len(geoms) + len(countries), size / 1024.0))
    print("\n".join(report))
    if errors:
        print("\n".join("ERROR: " + e for e in errors))
        print("FAILED (%d errors)" % len(errors))
        return 1
    print("OK: all acceptance checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
