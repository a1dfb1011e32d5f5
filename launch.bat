@echo off
rem LocalAI: one command to install and start, on Windows.
rem
rem   launch.bat [app.py options]   install what is missing (first run: several minutes),
rem                                 then start LocalAI; every option goes to app.py
rem   launch.bat --install-only     install, then exit
rem
rem Environment variables (all optional):
rem   LOCALAI_PYTHON=C:\path\to\python.exe  Python to use (3.10 to 3.13, 64-bit)
rem   LOCALAI_VENV=C:\path\to\venv          where the environment lives (default: .venv in this folder)
rem   LOCALAI_TORCH=cpu^|cuda^|skip           which PyTorch build to install (default: cuda if nvidia-smi works)
rem   LOCALAI_TORCH_PIP=torch==2.13.0        replaces the pip arguments for PyTorch (use == pins, not ^>=)
rem   LOCALAI_DRY_RUN=1                      print the commands (prefixed "+ ") instead of running them
rem
rem A stamp file (.venv\.localai-install) remembers what was installed; while requirements.txt and the
rem PyTorch choice stay the same, the install is skipped and the app starts in seconds.
rem This file must keep Windows (CRLF) line endings; see .gitattributes.
setlocal EnableExtensions DisableDelayedExpansion
cd /d "%~dp0"
set "ROOT=%CD%"

rem Pause before closing on errors when started by double-click (so the message can be read).
set "PAUSE_ON_ERROR="
echo %cmdcmdline% | find /i "%~nx0" >nul 2>nul && set "PAUSE_ON_ERROR=1"

set "INSTALL_ONLY="
if /i "%~1"=="--install-only" set "INSTALL_ONLY=1"

set "RUN="
if not defined LOCALAI_DRY_RUN goto :dry_done
if not "%LOCALAI_DRY_RUN%"=="0" set "RUN=echo +"
:dry_done

set "VENV=%ROOT%\.venv"
if defined LOCALAI_VENV set "VENV=%LOCALAI_VENV%"
for %%I in ("%VENV%") do set "VENV=%%~fI"
set "VPY=%VENV%\Scripts\python.exe"
set "STAMP=%VENV%\.localai-install"
set "CONSTRAINTS=%VENV%\.localai-constraints.txt"

if exist "requirements.txt" goto :have_requirements
echo.
echo ERROR: requirements.txt is missing from %ROOT%.
echo   Download the whole LocalAI folder again (launch.bat needs the files next to it).
goto :fail
:have_requirements

rem ------------------------------------------------------------ which PyTorch build
set "KIND=%LOCALAI_TORCH%"
if not defined KIND set "KIND=auto"
set "HINT=unset LOCALAI_TORCH to let LocalAI choose"
if /i "%KIND%"=="auto" goto :detect
if /i "%KIND%"=="cpu" set "KIND=cpu"
if /i "%KIND%"=="cuda" set "KIND=cuda"
if /i "%KIND%"=="skip" set "KIND=skip"
if "%KIND%"=="cpu" goto :override
if "%KIND%"=="cuda" goto :override
if "%KIND%"=="skip" goto :override
echo.
echo ERROR: LOCALAI_TORCH=%LOCALAI_TORCH% is not a choice LocalAI knows on Windows.
echo   Use one of: cpu, cuda (NVIDIA), skip (keep the torch you installed), or unset LOCALAI_TORCH.
goto :fail

:override
set "REASON=LOCALAI_TORCH=%KIND%"
goto :kind_done

:detect
nvidia-smi -L >nul 2>nul
if errorlevel 1 goto :no_gpu
set "KIND=cuda"
set "REASON=NVIDIA GPU found"
set "HINT=set LOCALAI_TORCH=cpu to override"
goto :kind_done
:no_gpu
set "KIND=cpu"
set "REASON=No NVIDIA GPU found"
set "HINT=set LOCALAI_TORCH=cuda to override"

:kind_done
set "TORCH_ARGS="
set "BUILD=no PyTorch (keeping the torch already in the environment)"
if "%KIND%"=="cuda" set "TORCH_ARGS=torch --index-url https://download.pytorch.org/whl/cu128"
if "%KIND%"=="cuda" set "BUILD=the CUDA 12.8 build of PyTorch"
if "%KIND%"=="cpu" set "TORCH_ARGS=torch --index-url https://download.pytorch.org/whl/cpu"
if "%KIND%"=="cpu" set "BUILD=the CPU build of PyTorch"
if not defined LOCALAI_TORCH_PIP goto :torch_args_done
set "TORCH_ARGS=%LOCALAI_TORCH_PIP%"
set "BUILD=PyTorch from LOCALAI_TORCH_PIP (build kind: %KIND%)"
:torch_args_done

rem ------------------------------------------------------------ stamp: skip when nothing changed
set "STAMP_IN=%TEMP%\localai-stamp-%RANDOM%%RANDOM%.txt"
> "%STAMP_IN%" (
    echo localai-install v1
    type requirements.txt
    echo.
    echo --torch-- %KIND%
    set TORCH_ARGS 2>nul
)
set "WANT="
for /f "skip=1 delims=" %%H in ('certutil -hashfile "%STAMP_IN%" SHA256') do if not defined WANT set "WANT=%%H"
del "%STAMP_IN%" >nul 2>nul
if not defined WANT set "WANT=no-hash-%RANDOM%"
set "WANT=%WANT: =%"

set "HAVE="
if exist "%STAMP%" set /p HAVE=<"%STAMP%"
if not exist "%VPY%" goto :install
if not defined HAVE goto :install
if not "%HAVE%"=="%WANT%" goto :install
echo Dependencies are up to date (%BUILD%; %REASON%) -^> skipping install. (Delete .venv\.localai-install to reinstall.)
goto :start

rem ------------------------------------------------------------ install
:install
echo %REASON% -^> installing %BUILD% (%HINT%)
if not defined RUN del "%STAMP%" >nul 2>nul

if not exist "%VPY%" goto :create_venv
echo Using the existing environment %VENV%.
goto :venv_ready
:create_venv
call :find_python
if errorlevel 1 goto :fail
echo Creating the Python environment in %VENV% ...
%RUN% %PY% -m venv "%VENV%"
if errorlevel 1 goto :venv_failed
:venv_ready

if not defined TORCH_ARGS goto :requirements
if defined LOCALAI_TORCH_PIP goto :install_torch
if defined RUN goto :install_torch
if not "%KIND%"=="cuda" goto :install_torch
rem A CPU-only torch left in the environment satisfies "pip install torch" from the CUDA index,
rem so it must be removed first. Exit code 4 means: torch is installed and is not a CUDA build.
"%VPY%" -c "import sys; from importlib.metadata import version; sys.exit(4 if '+cu' not in version('torch') else 0)" >nul 2>nul
if not "%errorlevel%"=="4" goto :install_torch
echo The PyTorch in the environment is not %BUILD% -^> replacing it.
"%VPY%" -m pip uninstall -y torch
:install_torch
echo Installing PyTorch (first time: can take several minutes, the download is large)...
%RUN% "%VPY%" -m pip install %TORCH_ARGS%
if errorlevel 1 goto :torch_failed

:requirements
rem Pin the torch just installed so that no requirement can silently swap it for another build.
set "PINNED="
if defined RUN goto :pin_dry
"%VPY%" -c "import sys; from importlib.metadata import version; open(sys.argv[1], 'w').write('torch==' + version('torch') + '\n')" "%CONSTRAINTS%" >nul 2>nul && set "PINNED=1"
goto :pin_done
:pin_dry
echo + echo torch==^<installed version^> ^> "%CONSTRAINTS%"
set "PINNED=1"
:pin_done
echo Installing the other requirements (requirements.txt)...
if not defined PINNED goto :req_unpinned
%RUN% "%VPY%" -m pip install -r requirements.txt -c "%CONSTRAINTS%"
goto :req_check
:req_unpinned
%RUN% "%VPY%" -m pip install -r requirements.txt
:req_check
if errorlevel 1 goto :req_failed

rem ------------------------------------------------------------ check that torch works (and sees the GPU)
if defined RUN goto :verify_dry
"%VPY%" -c "import torch" >nul 2>nul
if not errorlevel 1 goto :torch_imports
if "%KIND%"=="skip" if not defined LOCALAI_TORCH_PIP goto :write_stamp
echo.
echo ERROR: PyTorch was installed but does not import:
"%VPY%" -c "import torch"
echo   Delete the folder "%VENV%" and run launch.bat again. If it keeps failing, try: set LOCALAI_TORCH=cpu
goto :fail
:torch_imports
if not "%KIND%"=="cuda" goto :write_stamp
"%VPY%" -c "import sys, torch; print('PyTorch', torch.__version__, '- NVIDIA GPU usable:', torch.cuda.is_available()); sys.exit(0 if torch.cuda.is_available() else 3)"
if not errorlevel 1 goto :write_stamp
echo.
echo WARNING: PyTorch is installed but cannot use your NVIDIA GPU (torch.cuda.is_available() is False).
echo   A CPU-only PyTorch may be installed, or the NVIDIA driver is too old or not loaded.
echo   Fix: 1. Update the NVIDIA driver (https://www.nvidia.com/drivers), then run launch.bat again.
echo        2. Reinstall the right build: delete "%STAMP%"
echo           (or the whole folder "%VENV%"), then run:  set LOCALAI_TORCH=cuda  and  launch.bat
echo   Until then LocalAI runs on the CPU, which is much slower.
echo.
goto :write_stamp
:verify_dry
echo + "%VPY%" -c "import torch; print(torch.__version__, torch.cuda.is_available())"

:write_stamp
if defined RUN goto :stamp_dry
> "%STAMP%" echo %WANT%
goto :stamp_done
:stamp_dry
echo + echo %WANT% ^> "%STAMP%"
:stamp_done
echo Install complete.

rem ------------------------------------------------------------ start
:start
if not defined INSTALL_ONLY goto :run_app
echo Start LocalAI with: launch.bat
exit /b 0
:run_app
if defined RUN goto :run_dry
if exist "app.py" goto :run_real
echo.
echo ERROR: app.py is missing from %ROOT%. Download the whole LocalAI folder again.
goto :fail
:run_real
"%VPY%" app.py %*
exit /b %errorlevel%
:run_dry
echo + "%VPY%" app.py %*
exit /b 0

rem ------------------------------------------------------------ errors
:venv_failed
echo.
echo ERROR: Could not create the Python environment in %VENV%.
echo   Delete that folder and run launch.bat again. If it fails again, reinstall Python from
echo   https://www.python.org/downloads/ and set LOCALAI_PYTHON=C:\path\to\python.exe
goto :fail

:torch_failed
echo.
echo ERROR: Installing PyTorch failed (see the pip messages above).
echo   Check the internet connection and free disk space (several GB), then run launch.bat again.
echo   "No matching distribution found for torch" usually means this Python version has no PyTorch
echo   build: use Python 3.11 or 3.12 (set LOCALAI_PYTHON=C:\path\to\python.exe).
echo   To try the CPU build instead: set LOCALAI_TORCH=cpu
goto :fail

:req_failed
echo.
echo ERROR: Installing requirements.txt failed (see the pip messages above).
echo   Check the internet connection and free disk space, then run launch.bat again.
echo   If pip reports a conflict with torch, delete the folder "%VENV%" and run launch.bat again.
goto :fail

:fail
if defined PAUSE_ON_ERROR pause
exit /b 1

rem ------------------------------------------------------------ find a Python 3.10-3.13, 64-bit
rem Sets PY (a command, quoted where needed). Errorlevel 0 when found.
:find_python
set "PY_BAD="
if not defined LOCALAI_PYTHON goto :search_python
set PY="%LOCALAI_PYTHON%"
call :try_python
if not errorlevel 1 exit /b 0
goto :no_python
:search_python
for %%C in ("py -3.12" "py -3.11" "py -3.10" "py -3.13" "python") do (
    set "PY=%%~C"
    call :try_python
    if not errorlevel 1 exit /b 0
)
:no_python
echo.
echo ERROR: LocalAI needs Python 3.10 to 3.13 (64-bit).
if defined PY_BAD %PY_BAD% -c "import sys; print('  Found Python', sys.version.split()[0], '(64-bit)' if sys.maxsize.bit_length() == 63 else '(32-bit)', 'at', sys.executable + '.')"
if not defined PY_BAD if defined LOCALAI_PYTHON echo   LOCALAI_PYTHON=%LOCALAI_PYTHON% does not run as a Python interpreter.
if not defined PY_BAD if not defined LOCALAI_PYTHON echo   No Python found (tried py -3.12, py -3.11, py -3.10, py -3.13 and python).
echo   Install Python 3.11 from https://www.python.org/downloads/ (tick "Add python.exe to PATH")
echo   and run launch.bat again, or set LOCALAI_PYTHON=C:\path\to\python.exe
exit /b 1

:try_python
%PY% -c "import sys; sys.exit(0 if sys.version_info[:2] in ((3, 10), (3, 11), (3, 12), (3, 13)) and sys.maxsize.bit_length() == 63 else 3)" >nul 2>nul
if "%errorlevel%"=="0" exit /b 0
if "%errorlevel%"=="3" if not defined PY_BAD set PY_BAD=%PY%
exit /b 1
